"""Load: 100 tiny jobs (1 s at 8 fps, 64x64, 2 steps, each its own seed so none is served from
the cache) queued at once on one server. Every output is a valid MP4, and the server's RSS
(/proc/<pid>/status VmRSS) after them is at most 10 % above its RSS after a 10-job warm-up.

Bounded: TALKIE_LOAD_JOBS (default 100) jobs, a hard deadline of TALKIE_LOAD_DEADLINE_S
(default 480 s); on this 2-core machine the whole test takes about a minute. Runs in CI
with the rest of the server tests (marker `load`, deselect with `-m "not load"`)."""
from __future__ import annotations

import os
import time

import pytest

from av_checks import assert_valid_talkie_mp4
from robustness.helpers import WORKFLOW_EXTRA, av_prompt

pytestmark = [pytest.mark.server, pytest.mark.load]

JOBS = int(os.environ.get("TALKIE_LOAD_JOBS", "100"))
WARMUP = 10
DEADLINE_S = float(os.environ.get("TALKIE_LOAD_DEADLINE_S", "480"))
MAX_GROWTH = 0.10
FPS, SECONDS = 8.0, 1.0


def _queue_and_drain(client, server, seeds, tag, deadline, samples):
    ids = [client.queue_prompt(av_prompt(seconds=SECONDS, fps=FPS, width=64, height=64, steps=2, seed=s,
                                         prefix=f"robustness/load-{tag}/clip"), WORKFLOW_EXTRA) for s in seeds]
    while True:
        assert server.alive(), server.log_tail()
        samples.append(server.memory_kib())
        q = client.queue()
        if not q["queue_running"] and not q["queue_pending"]:
            break
        assert time.monotonic() < deadline, f"the load test ran past its {DEADLINE_S:.0f} s bound"
        time.sleep(0.5)
    files = []
    for pid in ids:
        entry = None
        for _ in range(50):
            entry = client.history(pid)
            if entry is not None:
                break
            time.sleep(0.1)
        assert entry is not None, f"no history for {pid}"
        history = client._check_history(pid, entry)  # raises on execution_error
        files += client.output_files(history)
    assert len(files) == len(ids), (len(files), len(ids))
    return files


def test_many_queued_jobs_keep_memory_flat_and_outputs_valid(robust_client, robust_server):
    deadline = time.monotonic() + DEADLINE_S
    started = time.monotonic()
    samples: list[int] = []
    tag = f"{os.getpid()}-{int(started)}"
    warm = _queue_and_drain(robust_client, robust_server, range(10_000, 10_000 + WARMUP), tag + "-warm", deadline,
                            samples)
    time.sleep(1.0)
    base = robust_server.memory_kib()
    files = _queue_and_drain(robust_client, robust_server, range(20_000, 20_000 + JOBS), tag, deadline, samples)
    time.sleep(1.0)
    end = robust_server.memory_kib()
    growth = (end - base) / base
    elapsed = time.monotonic() - started
    print(f"\nload: {WARMUP} warm-up + {JOBS} jobs in {elapsed:.0f} s; RSS after warm-up {base / 1024:.0f} MiB, "
          f"after {JOBS} jobs {end / 1024:.0f} MiB ({growth:+.1%}), peak {max(samples) / 1024:.0f} MiB")
    assert growth <= MAX_GROWTH, f"RSS grew {growth:.1%} over {JOBS} jobs ({base} -> {end} KiB)"
    assert len(set(files)) == JOBS and len(warm) == WARMUP
    for path in files:
        assert_valid_talkie_mp4(path, fps=FPS, seconds=SECONDS, sample_rate=16000)
    assert robust_client.system_stats()
