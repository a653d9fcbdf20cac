"""Shared vocabulary and motion helpers for the scene families."""
from __future__ import annotations

import numpy as np

COLOURS = {
    "red": (220, 45, 40), "green": (45, 185, 70), "blue": (55, 95, 235), "yellow": (240, 210, 40),
    "orange": (245, 135, 30), "purple": (150, 65, 205), "white": (235, 235, 235),
}
SKIN = [(240, 200, 160), (205, 150, 110), (150, 100, 70), (250, 215, 120)]


def floor_y(cfg) -> float:
    return 0.875 * cfg.height


def scale(cfg) -> float:
    return min(cfg.width, cfg.height) / 64.0


def background(rng) -> np.ndarray:
    base = np.array([28, 30, 40], np.float32)
    return np.clip(base + rng.uniform(-8, 8, 3), 0, 255)


def strike_motion(times: np.ndarray, hits: np.ndarray, lead: float) -> np.ndarray:
    """Distance from contact for something that strikes at `hits` (claps, drumsticks):
    a half-sine arc between consecutive hits, zero exactly at each hit, so the contact
    time is a kink in the trajectory that a tracker can pin down between frames."""
    knots = np.concatenate([[hits[0] - lead], hits, [hits[-1] + lead]])
    idx = np.clip(np.searchsorted(knots, times, side="right") - 1, 0, len(knots) - 2)
    a, b = knots[idx], knots[idx + 1]
    return np.abs(np.sin(np.pi * np.clip((times - a) / (b - a), 0, 1)))


def rhythm(rng, seconds: float, period: float, jitter: float = 0.0, start_max: float | None = None) -> np.ndarray:
    """Event times with a given period, a random phase and optional timing jitter."""
    start = rng.uniform(0.15, start_max if start_max else max(0.2, period))
    t = np.arange(start, seconds - 0.05, period)
    if jitter:
        t = t + rng.uniform(-jitter, jitter, len(t)) * period
    return np.sort(t[(t > 0.05) & (t < seconds - 0.05)])
