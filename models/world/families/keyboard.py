"""A small keyboard: the key that lights up is the note you hear (C major, C4..C5).
Notes start on frame times, so the first lit frame is the onset."""
from __future__ import annotations

import numpy as np

from .. import synth
from ..scene import Event
from .common import COLOURS, scale

NOTE_HZ = (261.63, 293.66, 329.63, 349.23, 392.00, 440.00, 493.88, 523.25)
NOTE_NAMES = ("C", "D", "E", "F", "G", "A", "B", "high C")


def sample(rng):
    return {"family": "keyboard", "light": str(rng.choice(["blue", "green", "orange", "purple", "red"]))}


def key_box(i, cfg):
    s = scale(cfg)
    w = (cfg.width - 8 * s) / len(NOTE_HZ)
    x0 = 4 * s + i * w
    return x0 + 0.5 * s, cfg.height * 0.45, x0 + w - 0.5 * s, cfg.height * 0.9


def melody(rng, cfg):
    out, k, key = [], int(rng.integers(2, 8)), int(rng.integers(len(NOTE_HZ)))
    while True:
        length = int(rng.integers(5, 12))
        if k + length >= cfg.num_frames:
            break
        out.append((k, length, key))
        key = int(np.clip(key + rng.choice([-2, -1, 1, 2, 3, -3]), 0, len(NOTE_HZ) - 1))
        k += length + int(rng.integers(0, 5))
    return out


def render(attrs, rng, cfg, canvas, stems, events, layout):
    sr, fps = cfg.sample_rate, cfg.fps
    canvas.paint(canvas.rect(2 * scale(cfg), cfg.height * 0.42, cfg.width - 2 * scale(cfg), cfg.height * 0.92),
                 (40, 40, 45))
    lit = np.zeros((cfg.num_frames, len(NOTE_HZ)), np.float32)
    for k, length, key in melody(rng, cfg):
        lit[k:k + length, key] = 1.0
        tone = synth.harmonic_tone(sr, NOTE_HZ[key], length / fps, 0.5, rng)
        synth.place(stems["music"], 0.5 * tone, k / fps, sr)
        events.append(Event("note", f"key{key}", k / fps, k / fps))
    light = np.array(COLOURS[attrs["light"]], np.float32)
    for i in range(len(NOTE_HZ)):
        box = canvas.rect(*key_box(i, cfg))
        canvas.paint(box, (235, 235, 228))
        canvas.paint(box * lit[:, i, None, None] * 0.9, light)
    layout["lit_keys"] = lit
