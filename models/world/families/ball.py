"""Bouncing balls: exact ballistic arcs, impacts at sub-frame times, sound by material."""
from __future__ import annotations

import numpy as np

from .. import synth
from ..scene import Event
from .common import COLOURS, floor_y, scale

MATERIALS = ("rubber", "metal", "glass", "wood")
RESTITUTION = {"rubber": 0.85, "metal": 0.72, "glass": 0.68, "wood": 0.7}
GRAVITY = 420.0  # px/s^2 at 64 px


def sample(rng):
    count = 1 if rng.random() < 0.8 else 2
    colours = rng.choice(list(COLOURS), size=count, replace=False).tolist()
    material = str(rng.choice(MATERIALS))
    size = str(rng.choice(["small", "large"]))
    return {"family": "ball", "count": count, "colours": colours, "colour": colours[0],
            "material": material, "size": size}


def impact_sound(material, size, speed, sr, rng):
    low = 0.75 if size == "large" else 1.0
    amp = float(np.clip(speed / 220.0, 0.15, 1.0))
    if material == "rubber":
        f = rng.uniform(110, 160) * low
        s = synth.modal(sr, [f, 2.3 * f], [0.035, 0.015], [1.0, 0.3], 0.2, rng, attack_noise=0.5, noise_decay=0.003)
    elif material == "metal":
        f = rng.uniform(700, 1000) * low
        s = synth.modal(sr, [f, 2.76 * f, 5.40 * f, 8.93 * f], [0.35, 0.25, 0.15, 0.08], [1, 0.6, 0.4, 0.2], 0.6, rng,
                        attack_noise=0.4)
    elif material == "glass":
        f = rng.uniform(2200, 3000) * low
        s = synth.modal(sr, [f, 2.32 * f, 3.9 * f], [0.12, 0.07, 0.04], [1, 0.5, 0.3], 0.35, rng, attack_noise=0.5,
                        noise_decay=0.002)
    else:  # wood
        f = rng.uniform(320, 480) * low
        s = synth.modal(sr, [f, 2.6 * f, 4.1 * f], [0.03, 0.015, 0.01], [1, 0.5, 0.25], 0.15, rng, attack_noise=0.7,
                        noise_decay=0.002)
    return 0.7 * amp * s / (np.abs(s).max() + 1e-9)


def trajectory(rng, cfg, restitution):
    """Height above the contact point at each frame, plus impact (time, speed) pairs.

    Arcs are solved in closed form, so impact times are exact, not frame-quantised."""
    g = GRAVITY * scale(cfg)
    z, v, t0 = rng.uniform(0.25, 0.6) * cfg.height, rng.uniform(-40, 60) * scale(cfg), 0.0
    v_stop = 45.0 * scale(cfg)  # below this the ball settles silently
    duration = cfg.num_frames / cfg.fps
    times = np.arange(cfg.num_frames) / cfg.fps
    height = np.zeros(cfg.num_frames)
    impacts = []
    while t0 < duration:
        speed = np.sqrt(v * v + 2 * g * z)
        t_hit = t0 + (v + speed) / g
        m = (times >= t0) & (times < t_hit)
        dt = times[m] - t0
        height[m] = z + v * dt - 0.5 * g * dt * dt
        if speed < v_stop:
            break  # resting on the floor from t_hit on (height stays 0)
        if t_hit < duration:
            impacts.append((t_hit, speed))
        t0, z, v = t_hit, 0.0, speed * restitution
    return np.maximum(height, 0.0), impacts


def render(attrs, rng, cfg, canvas, stems, events, layout):
    sr = cfg.sample_rate
    s = scale(cfg)
    fy = floor_y(cfg)
    canvas.paint(canvas.rect(0, fy, cfg.width, fy + 1.5 * s), (150, 150, 150))
    n = attrs["count"]
    xs = np.linspace(0.3, 0.7, n) * cfg.width if n > 1 else [rng.uniform(0.3, 0.7) * cfg.width]
    for i, colour in enumerate(attrs["colours"]):
        r = (rng.uniform(7, 9) if attrs["size"] == "large" else rng.uniform(4.5, 5.5)) * s
        height, impacts = trajectory(rng, cfg, RESTITUTION[attrs["material"]] * rng.uniform(0.95, 1.05))
        times = np.arange(cfg.num_frames) / cfg.fps
        vx = rng.uniform(-3, 3) * s
        cx = xs[i] + vx * times
        cy = fy - r - height
        body = canvas.disc(cx, cy, r)
        rgb = np.array(COLOURS[colour], np.float32)
        mat = attrs["material"]
        canvas.paint(body * (0.7 if mat == "glass" else 1.0), rgb)
        if mat == "wood":
            canvas.paint(canvas.disc(cx, cy, 0.55 * r) * 0.5, rgb * 0.7)
        if mat in ("metal", "glass"):
            canvas.paint(canvas.disc(cx - 0.35 * r, cy - 0.35 * r, 0.28 * r) * 0.85, (255, 255, 255))
        for t, speed in impacts:
            synth.place(stems["effects"], impact_sound(mat, attrs["size"], speed, sr, rng), t, sr)
            events.append(Event("impact", f"ball{i}", float(t), float(t), True, float(speed)))
