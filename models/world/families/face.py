"""A cartoon face speaking syllables. One signal drives both sides: each syllable's
envelope opens the mouth and shapes the voice, so lip sync is exact by construction.
Syllable onsets sit on frame times, so the first open-mouth frame is the onset."""
from __future__ import annotations

import numpy as np

from .. import synth
from ..scene import Event
from .common import SKIN, scale

PITCH = {"low": (95, 130), "high": (210, 270)}
VOWELS = tuple(synth.VOWEL_FORMANTS)


def sample(rng):
    return {"family": "face", "voice": str(rng.choice(list(PITCH))), "skin": int(rng.integers(len(SKIN)))}


def syllables(rng, cfg):
    """(onset frame, length in frames, vowel) for a phrase of syllables with pauses."""
    out, k = [], int(rng.integers(3, 10))
    while True:
        length = int(rng.integers(4, 8))
        if k + length >= cfg.num_frames - 1:
            break
        out.append((k, length, str(rng.choice(VOWELS))))
        k += length + int(rng.integers(1, 5)) + (int(rng.integers(4, 10)) if rng.random() < 0.2 else 0)
    return out


def render(attrs, rng, cfg, canvas, stems, events, layout):
    s, sr, fps = scale(cfg), cfg.sample_rate, cfg.fps
    f0 = rng.uniform(*PITCH[attrs["voice"]])
    mouth = np.zeros(cfg.num_frames, np.float32)
    for k, length, vowel in syllables(rng, cfg):
        t0, dur = k / fps, length / fps
        audio, _ = synth.voiced_syllable(sr, f0, vowel, dur, rng, consonant=rng.random() < 0.5)
        synth.place(stems["voice"], audio, t0, sr)
        # the mouth opens on the onset frame and closes over the last frame of the syllable
        shape = np.ones(length, np.float32)
        shape[-1] = 0.5
        mouth[k:k + length] = np.maximum(mouth[k:k + length], shape * synth.VOWEL_OPENNESS[vowel])
        events.append(Event("syllable", "face", float(t0), float(t0)))
    cx, cy, r = cfg.width / 2 + rng.uniform(-3, 3) * s, cfg.height * 0.47, 21 * s
    skin = np.array(SKIN[attrs["skin"]], np.float32)
    canvas.paint(canvas.disc(cx, cy, r), skin)
    blink = np.ones(cfg.num_frames, np.float32)
    for b in rng.integers(0, cfg.num_frames, 2):
        blink[b:b + 2] = 0.25
    for side in (-1, 1):
        canvas.paint(canvas.ellipse(cx + side * 7 * s, cy - 6 * s, 2.3 * s, 2.6 * s * blink), (30, 30, 40))
    canvas.paint(canvas.ellipse(cx, cy + 9 * s, 7 * s, 0.8 * s + 6.5 * s * mouth), (110, 25, 35))
    layout["mouth"] = mouth
