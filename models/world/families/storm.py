"""Lightning and thunder: a flash, then thunder after a delay set by the distance
(sound travels about 343 m/s). Flashes sit on frame times; the thunder delay is the
ground truth, so these events are excluded from the paired sync metric."""
from __future__ import annotations

import numpy as np

from .. import synth
from ..scene import Event
from .common import scale

DELAY = {"near": (0.05, 0.3), "distant": (0.8, 1.6)}


def sample(rng):
    return {"family": "storm", "distance": str(rng.choice(list(DELAY)))}


def thunder(sr, near, rng):
    n = int(2.0 * sr)
    t = np.arange(n) / sr
    rumble = synth.coloured_noise(n, sr, rng, -6.0, lowpass=180)
    env = np.minimum(1.0, t / (0.02 if near else 0.12)) * np.exp(-t / (0.9 if near else 0.6))
    env *= 1 + 0.4 * np.sin(2 * np.pi * rng.uniform(2, 5) * t)
    out = rumble * env * (0.35 if near else 0.2)
    if near:  # the crack of a close strike
        crack = synth.noise_burst(sr, 0.3, 0.04, (400, 6000), rng)
        out[: len(crack)] += 0.6 * crack
    return out.astype(np.float32)


def bolt(rng, cfg, canvas):
    x = rng.uniform(0.25, 0.75) * cfg.width
    ys = np.linspace(0, cfg.height * 0.85, 7)
    xs = x + np.cumsum(rng.uniform(-5, 5, 7)) * scale(cfg)
    alpha = np.zeros((canvas.T, cfg.height, cfg.width), np.float32)
    for i in range(6):
        alpha = np.maximum(alpha, canvas.segment(xs[i], ys[i], xs[i + 1], ys[i + 1], 1.6 * scale(cfg)))
    return alpha


def render(attrs, rng, cfg, canvas, stems, events, layout):
    sr = cfg.sample_rate
    seconds = cfg.num_frames / cfg.fps
    lo, hi = DELAY[attrs["distance"]]
    n_flash = 1 if seconds < 3 or rng.random() < 0.6 else 2
    frames = np.sort(rng.choice(np.arange(int(0.2 * cfg.fps), int(max(0.3, seconds - hi - 0.2) * cfg.fps) + 1),
                                size=n_flash, replace=False))
    canvas.rgb[:] *= 0.8
    strike = bolt(rng, cfg, canvas)
    for k in frames:
        glow = np.zeros(canvas.T, np.float32)
        tail = np.arange(k, min(canvas.T, k + 4))
        glow[tail] = 0.75 * 0.45 ** (tail - k)
        canvas.rgb += glow[:, None, None, None] * (235 - canvas.rgb) * 0.8
        vis = np.zeros(canvas.T + 1, np.float32)
        vis[k], vis[k + 1] = 1.0, 0.5
        vis = vis[: canvas.T]
        canvas.paint(strike * vis[:, None, None], (250, 250, 255))
        t_flash = k / cfg.fps
        delay = rng.uniform(lo, hi)
        synth.place(stems["effects"], thunder(sr, attrs["distance"] == "near", rng), t_flash + delay, sr)
        events.append(Event("flash", "lightning", float(t_flash), float(t_flash + delay), paired=False))
