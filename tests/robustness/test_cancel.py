"""Cancel: POST /interrupt during sampling stops the Joint Sampler promptly, leaves no MP4
(and no temp file) behind, and the next job runs.

"Promptly" is measured in time, not in counted steps: the websocket `progress` messages of
fast steps can still be on their way when the interrupt is sent (on a quiet machine a 4 s
clip's Heun step takes 30–40 ms, and four steps' messages arrived after it), so counting them
would blame the sampler for the transport. The job must end within two of its own steps
(their length measured from the progress messages before the interrupt) plus 2 s for the
request and the event loop; a sampler that ignored the interrupt would run the ~197 steps
left, at least 8 s even on that quiet machine."""
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


def test_interrupt_stops_sampling_promptly(robust_client, robust_server):
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
    first_step_at = None
    while _steps_seen(messages) < 3:
        assert thread.is_alive(), f"the job ended before it could be interrupted: {outcome}"
        assert time.monotonic() < deadline, "sampling never reached step 3"
        if first_step_at is None and _steps_seen(messages) >= 1:
            first_step_at = time.monotonic()
        time.sleep(0.01)
    before = _steps_seen(messages)
    sent = time.monotonic()
    step_s = (sent - (first_step_at or sent)) / max(1, before - 1)
    requests.post(robust_client.base_url + "/interrupt", json={}, timeout=30).raise_for_status()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the interrupted job did not end"
    stopped_s = time.monotonic() - sent
    assert isinstance(outcome.get("error"), ExecutionInterrupted), outcome
    after = _steps_seen(messages)
    steps_after_interrupt = after - before
    print(f"\ninterrupt at step {before}/{STEPS}: {steps_after_interrupt} step(s) reported after it, "
          f"job ended {stopped_s:.2f} s after the interrupt (a step takes ~{step_s:.3f} s)")
    assert stopped_s <= 2.0 + 2 * step_s, (stopped_s, step_s, before, after)
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
