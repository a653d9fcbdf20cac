"""A drum struck by a stick: the stick tip touches the drum head at each hit."""
from __future__ import annotations

import numpy as np

from .. import synth
from ..scene import Event
from .common import COLOURS, rhythm, scale, strike_motion

TEMPO = {"slow": (0.7, 0.95), "fast": (0.35, 0.45)}


def sample(rng):
    return {"family": "drum", "size": str(rng.choice(["big", "small"])), "tempo": str(rng.choice(list(TEMPO))),
            "colour": str(rng.choice(["red", "blue", "green", "white"]))}


def drum_sound(size, sr, rng, strength):
    f = rng.uniform(65, 95) if size == "big" else rng.uniform(170, 230)
    s = synth.modal(sr, [f, 1.59 * f, 2.14 * f], [0.22, 0.1, 0.06], [1, 0.5, 0.3], 0.5, rng, attack_noise=0.6,
                    noise_decay=0.006 if size == "big" else 0.02)
    return 0.8 * strength * s / (np.abs(s).max() + 1e-9)


def render(attrs, rng, cfg, canvas, stems, events, layout):
    s, sr = scale(cfg), cfg.sample_rate
    seconds = cfg.num_frames / cfg.fps
    period = rng.uniform(*TEMPO[attrs["tempo"]])
    hits = rhythm(rng, seconds, period, jitter=0.04)
    if len(hits) == 0:
        hits = np.array([seconds / 2])
    times = np.arange(cfg.num_frames) / cfg.fps
    big = attrs["size"] == "big"
    cx = cfg.width / 2 + rng.uniform(-5, 5) * s
    rx = (16 if big else 11) * s
    head_y = cfg.height * (0.55 if big else 0.62)
    bottom = cfg.height * 0.9
    body = np.array(COLOURS[attrs["colour"]], np.float32)
    canvas.paint(canvas.rect(cx - rx, head_y, cx + rx, bottom), body * 0.85)
    canvas.paint(canvas.ellipse(cx, bottom, rx, 3 * s), body * 0.7)
    canvas.paint(canvas.ellipse(cx, head_y, rx, 4 * s), (225, 215, 190))
    lift = 22 * s * strike_motion(times, hits, period)
    tip_x, tip_y = cx + 2 * s, head_y - 1.5 * s - lift
    canvas.paint(canvas.segment(tip_x, tip_y, tip_x + 16 * s, tip_y - 10 * s, 2.5 * s), (150, 100, 55))
    canvas.paint(canvas.disc(tip_x, tip_y, 2.2 * s), (200, 160, 110))
    for t in hits:
        synth.place(stems["effects"], drum_sound(attrs["size"], sr, rng, rng.uniform(0.7, 1.0)), t, sr)
        events.append(Event("hit", "drum", float(t), float(t)))
