"""Cancel: POST /interrupt during sampling stops the Joint Sampler within one step, leaves no
MP4 (and no temp file) behind, and the next job runs.

Steps are counted from the websocket `progress` messages of the sampler node: the last
step reported before the interrupt was sent, and the highest step reported at all. Messages
still in flight when the interrupt is sent can only make the count larger, so the bound
is conservative."""
from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from comfy_harness import ExecutionInterrupted
from robustness.helpers import WORKFLOW_EXTRA, av_prompt

pytestmark = pytest.mark.server

STEPS = 200
SAMPLER_NODE = "5"


def _steps_seen(messages) -> int:
    values = [m["data"].get("value", 0) for m in list(messages)
              if m.get("type") == "progress" and str(m["data"].get("node")) == SAMPLER_NODE]
    return max(values, default=0)


def test_interrupt_stops_sampling_within_one_step(robust_client, robust_server):
    out = Path(robust_server.output_dir)
    tag = uuid.uuid4().hex[:8]
    prompt = av_prompt(steps=STEPS, sampler="heun", seed=int(tag, 16), prefix=f"robustness/cancel-{tag}/clip")
    prompt_id = robust_client.queue_prompt(prompt, WORKFLOW_EXTRA)
    outcome = {}

    def follow():
        try:
            outcome["history"] = robust_client.wait(prompt_id, timeout=300)
        except Exception as e:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = e

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    messages = robust_client.messages[prompt_id]
    deadline = time.monotonic() + 240
    while _steps_seen(messages) < 3:
        assert thread.is_alive(), f"the job ended before it could be interrupted: {outcome}"
        assert time.monotonic() < deadline, "sampling never reached step 3"
        time.sleep(0.01)
    before = _steps_seen(messages)
    sent = time.monotonic()
    requests.post(robust_client.base_url + "/interrupt", json={}, timeout=30).raise_for_status()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the interrupted job did not end"
    stopped_s = time.monotonic() - sent
    assert isinstance(outcome.get("error"), ExecutionInterrupted), outcome
    after = _steps_seen(messages)
    steps_after_interrupt = after - before
    print(f"\ninterrupt at step {before}/{STEPS}: {steps_after_interrupt} step(s) reported after it, "
          f"job ended {stopped_s:.2f} s after the interrupt")
    assert steps_after_interrupt <= 1, (before, after)
    assert after < STEPS
    assert outcome["error"].data.get("node_id") == SAMPLER_NODE, outcome["error"].data

    # nothing of it was saved: no MP4 and no temp file
    leftovers = [p for p in out.rglob("*") if f"cancel-{tag}" in str(p) and p.is_file()]
    assert not leftovers, leftovers
    assert not list(out.rglob("*.part")), list(out.rglob("*.part"))

    # and the next job runs
    history = robust_client.run(av_prompt(prefix=f"robustness/cancel-{tag}-next/clip"), WORKFLOW_EXTRA)
    files = robust_client.output_files(history)
    assert len(files) == 1 and files[0].stat().st_size > 0
