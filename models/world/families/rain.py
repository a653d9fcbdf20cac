"""Rain on a surface. The surface decides both the look of the ground and the sound of
every drop (metal pings, glass ticks, asphalt patter); intensity sets the drop rate.

Used alone ("rain on a tin roof") or as an overlay on another family."""
from __future__ import annotations

import numpy as np

from .. import synth
from .common import floor_y, scale

SURFACES = ("metal", "glass", "asphalt")
RATE = {"light": 30.0, "moderate": 90.0, "heavy": 260.0}      # visible drops per second
BED = {"light": 0.012, "moderate": 0.03, "heavy": 0.07}        # RMS of the continuous wash
SURFACE_RGB = {"metal": (125, 135, 150), "glass": (150, 205, 220), "asphalt": (58, 58, 62)}
FALL_SPEED = 380.0  # px/s at 64 px


def sample(rng):
    return {"family": "rain", "surface": str(rng.choice(SURFACES)), "intensity": str(rng.choice(list(RATE)))}


def drop_sound(surface, sr, rng):
    if surface == "metal":
        f = rng.uniform(1500, 4500)
        return synth.modal(sr, [f, 1.7 * f], [0.05, 0.03], [1, 0.4], 0.15, rng, attack_noise=0.3)
    if surface == "glass":
        s = synth.noise_burst(sr, 0.03, 0.003, (3000, 8000), rng)
        return s + 0.3 * synth.modal(sr, [rng.uniform(4000, 6000)], [0.012], [1.0], 0.03, rng)
    return synth.noise_burst(sr, 0.03, 0.005, (300, 3000), rng)


def bed(surface, n, sr, rng):
    if surface == "metal":
        return synth.coloured_noise(n, sr, rng, -1.0, highpass=1200)
    if surface == "glass":
        return synth.coloured_noise(n, sr, rng, 0.0, highpass=2500)
    return synth.coloured_noise(n, sr, rng, -3.0, lowpass=2500)


def draw_ground(attrs, rng, cfg, canvas):
    fy, s = floor_y(cfg), scale(cfg)
    rgb = np.array(SURFACE_RGB[attrs["surface"]], np.float32)
    ground = canvas.rect(0, fy, cfg.width, cfg.height)
    canvas.paint(ground, rgb)
    if attrs["surface"] == "metal":  # corrugated sheen
        for k in range(0, cfg.width, int(6 * s)):
            canvas.paint(canvas.rect(k, fy, k + 1.5 * s, cfg.height) * 0.5, rgb * 1.35)
    elif attrs["surface"] == "asphalt":  # static grit
        grit = (rng.random((cfg.height, cfg.width)) < 0.25).astype(np.float32) * ground[0] * 0.5
        canvas.paint(grit, rgb * 1.5)
    else:
        canvas.paint(canvas.rect(0, fy, cfg.width, fy + 1.0 * s) * 0.9, (235, 250, 255))


def render(attrs, rng, cfg, canvas, stems, events, layout):
    draw_ground(attrs, rng, cfg, canvas)
    render_drops(attrs, rng, cfg, canvas, stems)


def render_drops(attrs, rng, cfg, canvas, stems):
    sr, s, fy = cfg.sample_rate, scale(cfg), floor_y(cfg)
    seconds = cfg.num_frames / cfg.fps
    rate = RATE[attrs["intensity"]] * rng.uniform(0.8, 1.2)
    n = rng.poisson(rate * (seconds + 0.4))
    land = rng.uniform(-0.2, seconds + 0.2, n)
    xs = rng.uniform(0, cfg.width, n)
    speed = FALL_SPEED * s
    length = int(round(4 * s))
    # streaks: every drop in every frame at once, scattered into a coverage buffer
    times = np.arange(cfg.num_frames) / cfg.fps
    head = fy - speed * (land[None, :] - times[:, None])            # [T, n] head y per frame
    cover = np.zeros((cfg.num_frames, cfg.height, cfg.width), np.float32)
    fi, di = np.nonzero((head > -length) & (head < fy))
    xi = np.clip(xs[di].astype(int), 0, cfg.width - 1)
    for j in range(length):
        yi = (head[fi, di] - j).astype(int)
        ok = (yi >= 0) & (yi < int(fy))
        np.add.at(cover, (fi[ok], yi[ok], xi[ok]), 0.55 - 0.1 * j)
    # splashes: a small blip on the surface in the frame after each landing
    f_land = np.ceil(land * cfg.fps).astype(int)
    ok = (f_land >= 0) & (f_land < cfg.num_frames)
    x_land = xs[ok].astype(int)
    for dx in (-1, 0, 1):
        np.add.at(cover, (f_land[ok], np.full(ok.sum(), int(fy) - 1), np.clip(x_land + dx, 0, cfg.width - 1)), 0.5)
    canvas.paint(np.clip(cover, 0, 0.8), (185, 200, 225))
    # sound: each drop's click at its landing time, over a continuous wash
    amb = stems["ambience"]
    templates = [drop_sound(attrs["surface"], sr, rng) for _ in range(6)]
    amps = rng.uniform(0.05, 0.2, n)
    for k in np.nonzero((land > -0.05) & (land < seconds))[0]:
        synth.place(amb, amps[k] * templates[k % 6], land[k], sr)
    amb += BED[attrs["intensity"]] * bed(attrs["surface"], len(amb), sr, rng)
