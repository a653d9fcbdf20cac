"""Hands clapping at a tempo: the hands meet exactly at each clap time."""
from __future__ import annotations

import numpy as np

from .. import synth
from ..scene import Event
from .common import SKIN, rhythm, scale, strike_motion

TEMPO = {"slow": (0.75, 1.0), "medium": (0.5, 0.62), "fast": (0.33, 0.4)}


def sample(rng):
    return {"family": "clap", "tempo": str(rng.choice(list(TEMPO))), "skin": int(rng.integers(len(SKIN)))}


def clap_sound(sr, rng):
    s = synth.noise_burst(sr, 0.12, rng.uniform(0.012, 0.02), (800, 3500), rng)
    s += 0.3 * synth.modal(sr, [rng.uniform(900, 1400)], [0.01], [1.0], 0.12, rng)
    return 0.7 * s / (np.abs(s).max() + 1e-9)


def render(attrs, rng, cfg, canvas, stems, events, layout):
    s, sr = scale(cfg), cfg.sample_rate
    seconds = cfg.num_frames / cfg.fps
    period = rng.uniform(*TEMPO[attrs["tempo"]])
    claps = rhythm(rng, seconds, period, jitter=0.03)
    if len(claps) == 0:
        claps = np.array([seconds / 2])
    times = np.arange(cfg.num_frames) / cfg.fps
    gap = 16 * s * strike_motion(times, claps, period)
    cx, cy = cfg.width / 2 + rng.uniform(-6, 6) * s, cfg.height * 0.5 + rng.uniform(-4, 4) * s
    bob = 1.5 * s * np.sin(2 * np.pi * times / (2 * period))
    skin = np.array(SKIN[attrs["skin"]], np.float32)
    for side in (-1, 1):
        x = cx + side * (gap / 2 + 4 * s)
        canvas.paint(canvas.segment(x, cy - 9 * s + bob, x, cy + 9 * s + bob, 8 * s), skin)
        # the thumb makes left and right hands distinguishable
        canvas.paint(canvas.segment(x - side * 3 * s, cy + 1 * s + bob, x - side * 6 * s, cy - 3 * s + bob, 3 * s), skin * 0.9)
    for t in claps:
        synth.place(stems["effects"], clap_sound(sr, rng), t, sr)
        events.append(Event("clap", "hands", float(t), float(t)))
