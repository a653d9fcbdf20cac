"""A glass falls and shatters on the floor; shards scatter and tinkle as they land."""
from __future__ import annotations

import numpy as np

from .. import synth
from ..scene import Event
from .common import floor_y, scale

GRAVITY = 420.0


def sample(rng):
    return {"family": "glass", "tint": str(rng.choice(["clear", "green", "blue"]))}


TINTS = {"clear": (200, 230, 240), "green": (140, 220, 160), "blue": (140, 180, 245)}


def shatter_sound(sr, rng):
    s = synth.noise_burst(sr, 0.5, 0.06, (2000, 8000), rng)
    freqs = rng.uniform(2000, 7000, 12)
    s += 0.8 * synth.modal(sr, freqs, rng.uniform(0.03, 0.15, 12), rng.uniform(0.3, 1.0, 12), 0.5, rng)
    return 0.8 * s / (np.abs(s).max() + 1e-9)


def render(attrs, rng, cfg, canvas, stems, events, layout):
    s, sr = scale(cfg), cfg.sample_rate
    g = GRAVITY * s
    fy = floor_y(cfg)
    canvas.paint(canvas.rect(0, fy, cfg.width, fy + 1.5 * s), (150, 150, 150))
    seconds = cfg.num_frames / cfg.fps
    t_imp = rng.uniform(0.5, min(2.2, 0.7 * seconds))
    times = np.arange(cfg.num_frames) / cfg.fps
    x = rng.uniform(0.35, 0.65) * cfg.width
    h = 14 * s
    bottom = fy - np.where(times < t_imp, 0.5 * g * np.square(np.maximum(t_imp - times, 0)), 0)
    intact = (times < t_imp).astype(np.float32)[:, None, None]
    tint = np.array(TINTS[attrs["tint"]], np.float32)
    body = canvas.rect(x - 4.5 * s, bottom - h, x + 4.5 * s, bottom) * intact
    canvas.paint(body * 0.75, tint)
    canvas.paint(canvas.rect(x - 4.5 * s, bottom - h, x + 4.5 * s, bottom - h + 1.5 * s) * intact, (250, 250, 255))
    # shards: ballistic from the impact point, resting once they reach the floor
    n = int(rng.integers(8, 15))
    vx = rng.uniform(-70, 70, n) * s
    vy = rng.uniform(40, 140, n) * s
    for k in range(n):
        dt = np.maximum(times - t_imp, 0)
        t_land = 2 * vy[k] / g
        dtc = np.minimum(dt, t_land)
        sx = x + vx[k] * dtc
        sy = fy - 1 - (vy[k] * dtc - 0.5 * g * dtc * dtc)
        vis = (times >= t_imp).astype(np.float32)[:, None, None]
        canvas.paint(canvas.disc(sx, sy, rng.uniform(0.8, 1.4) * s) * vis * 0.9, tint)
        if t_imp + t_land < seconds:
            tink = synth.modal(sr, [rng.uniform(3000, 6500)], [0.03], [1.0], 0.1, rng, attack_noise=0.3)
            synth.place(stems["effects"], 0.12 * tink / (np.abs(tink).max() + 1e-9), t_imp + t_land, sr)
    synth.place(stems["effects"], shatter_sound(sr, rng), t_imp, sr)
    events.append(Event("shatter", "glass", float(t_imp), float(t_imp)))
