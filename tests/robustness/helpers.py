"""Shared pieces of the robustness suite: tiny API prompts for the Talkie nodes, server
memory, and what counts as a *clear* error (one a user can act on, not an internal bug)."""
from __future__ import annotations

import re
from pathlib import Path

from talkie.models.pipeline import DEFAULT_CHECKPOINT_NAME

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CHOICE = f"(shipped) {DEFAULT_CHECKPOINT_NAME}"

# Exception types that say "our code has a bug" rather than "your input is wrong".
INTERNAL_ERRORS = ("KeyError", "AttributeError", "IndexError", "TypeError", "NameError", "UnboundLocalError",
                   "ZeroDivisionError", "AssertionError", "RecursionError", "NotImplementedError",
                   "OverflowError", "FileNotFoundError", "IsADirectoryError", "UnicodeError")
# The types our nodes raise for bad input (CheckpointError is a ValueError; "Exception" is what
# ComfyUI's own folder_paths raises for a save outside the output folder).
CLEAR_ERRORS = ("ValueError", "CheckpointError", "InterruptProcessingException")


def av_prompt(*, seconds=1.0, fps=8.0, width=64, height=64, steps=2, seed=0, prefix="robustness/clip",
              sampler="euler", prompt="a red rubber ball bouncing on a wooden floor", batch=1,
              video_guidance=1.0, audio_guidance=1.5, sync_guidance=0.5, denoise=1.0,
              checkpoint=DEFAULT_CHOICE) -> dict:
    """Load -> Text Encode (+/-) -> Empty AV Latent -> Joint Sampler -> AV Decode -> Save AV."""
    return {
        "1": {"class_type": "TalkieLoadModel", "inputs": {"checkpoint": checkpoint}},
        "2": {"class_type": "TalkieTextEncode", "inputs": {"model": ["1", 0], "prompt": prompt, "audio_prompt": ""}},
        "3": {"class_type": "TalkieTextEncode", "inputs": {"model": ["1", 0], "prompt": ""}},
        "4": {"class_type": "TalkieEmptyAVLatent",
              "inputs": {"model": ["1", 0], "seconds": seconds, "fps": fps, "width": width, "height": height,
                         "batch_size": batch}},
        "5": {"class_type": "TalkieJointSampler",
              "inputs": {"model": ["1", 0], "positive": ["2", 0], "negative": ["3", 0], "latent": ["4", 0],
                         "seed": seed, "steps": steps, "video_guidance": video_guidance,
                         "audio_guidance": audio_guidance, "sync_guidance": sync_guidance, "sampler": sampler,
                         "denoise": denoise}},
        "6": {"class_type": "TalkieAVDecode", "inputs": {"model": ["1", 0], "latent": ["5", 0]}},
        "7": {"class_type": "TalkieSaveAV",
              "inputs": {"images": ["6", 0], "audio": ["6", 1], "fps": ["6", 2], "filename_prefix": prefix}},
    }


WORKFLOW_EXTRA = {"extra_pnginfo": {"workflow": {"nodes": [{"id": 1}], "links": []}}}


_TRACEBACK_RE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")


def unclear_reason(exception_type: str | None, message: str | None) -> str | None:
    """None when an execution_error reads as an actionable message; otherwise why not."""
    short = (exception_type or "").rsplit(".", 1)[-1]
    msg = (message or "").strip()
    if not msg:
        return f"empty message ({exception_type})"
    if short in INTERNAL_ERRORS:
        return f"internal error type {exception_type}: {msg[:200]}"
    if short not in CLEAR_ERRORS:
        return f"unexpected error type {exception_type}: {msg[:200]}"
    if _TRACEBACK_RE.search(msg):
        return f"message is a traceback: {msg[:200]}"
    return None


def queue_raw(client, api_prompt, extra_data: dict | None = WORKFLOW_EXTRA) -> str:
    """POST /prompt with NaN and Infinity allowed as bare JSON literals. Returns the
    prompt_id or raises PromptRejected with the server's answer."""
    return client.queue_prompt(api_prompt, extra_data, allow_nan=True)


def run_raw(client, api_prompt, timeout: float = 180.0):
    """-> ("ok", history) | ("rejected", PromptRejected) | ("failed", ExecutionFailed)."""
    from comfy_harness import ExecutionFailed, PromptRejected

    try:
        return "ok", client.wait(queue_raw(client, api_prompt), timeout)
    except PromptRejected as e:
        return "rejected", e
    except ExecutionFailed as e:
        return "failed", e


def rejection_text(e) -> str:
    err = e.error if isinstance(e.error, dict) else {"message": str(e.error or e.body)}
    parts = [str(err.get("message", "")), str(err.get("details", ""))]
    for node in (e.node_errors or {}).values():
        for item in node.get("errors", []) if isinstance(node, dict) else []:
            parts += [str(item.get("message", "")), str(item.get("details", ""))]
    return "\n".join(parts)


def clear_outcome_message(kind, value) -> str:
    """Assert the outcome is one a user can act on; return its message."""
    if kind == "rejected":
        assert value.status == 400, f"HTTP {value.status}: {value.body}"
        text = rejection_text(value)
        assert text.strip(), f"a 400 without a message: {value.body}"
        return text
    if kind == "failed":
        reason = unclear_reason(value.exception_type, value.exception_message)
        assert reason is None, f"{reason}\n{value.traceback}"
        return value.exception_message
    return ""
