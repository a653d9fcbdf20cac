"""Loss weights that favour the tokens where events happen.

Sync is decided by a few tokens per clip: those whose span holds a bounce, a clap or a
syllable. Under a plain per-token mean they are a small share of the loss (a ball's five
bounces touch 10-15 of 125 audio tokens), so the model can trade their timing for smoother
backgrounds. `event_token_weights` gives every token within one token's length of a
paired event `weight` instead of 1; the trainer normalises by the weights' sum, so the
loss keeps its scale and only the emphasis moves."""
from __future__ import annotations

import numpy as np


def event_times(clip) -> tuple[np.ndarray, np.ndarray]:
    """When each paired event is seen and when its sound starts (seconds; they differ for
    thunder). Unpaired events (rain drops, flashes) do not count for sync, so not here."""
    paired = [e for e in clip.events if e.paired]
    return (np.array([e.time for e in paired], np.float32), np.array([e.audio_time for e in paired], np.float32))


def event_token_weights(token_times: np.ndarray, token_seconds: float, times: np.ndarray, weight: float) -> np.ndarray:
    """[L] weights: `weight` on each token whose centre lies within `token_seconds` of one of
    `times` (the token holding the event and the neighbour nearest to it), 1 elsewhere."""
    out = np.ones(len(token_times), np.float32)
    if weight != 1.0 and len(times):
        near = (np.abs(token_times[None, :] - np.asarray(times, np.float32)[:, None]) <= token_seconds).any(0)
        out[near] = weight
    return out
