"""The Foley world: procedural audiovisual scenes rendered from one simulation, with
exact ground truth (every event's time), stems, and a caption grammar.

`render_clip(seed, cfg)` is deterministic per seed."""
from __future__ import annotations

import numpy as np

from ..config import AVConfig
from .canvas import Canvas
from .captions import audio_caption, caption
from .families import FAMILIES, RAIN_COMBINABLE
from .families import rain as rain_family
from .families.common import background
from .scene import Clip, Event, empty_stems

DEFAULT_WEIGHTS = {"ball": 0.3, "clap": 0.1, "drum": 0.1, "glass": 0.07, "rain": 0.08, "storm": 0.07,
                   "face": 0.14, "keyboard": 0.14}
RAIN_PROB = 0.25

__all__ = ["render_clip", "sample_scene", "render_scene", "Clip", "Event", "FAMILIES", "DEFAULT_WEIGHTS"]


def sample_scene(rng: np.random.Generator, family: str | None = None, weights: dict | None = None,
                 rain: bool | None = None, rain_prob: float | None = None) -> dict:
    """`rain`: force a rain overlay on (True) or off (False) where the family takes one;
    otherwise it comes with probability `rain_prob` (default RAIN_PROB)."""
    if family is None:
        w = weights or DEFAULT_WEIGHTS
        names = list(w)
        p = np.array([w[n] for n in names], np.float64)
        family = str(rng.choice(names, p=p / p.sum()))
    if family not in FAMILIES:
        raise ValueError(f"unknown scene family {family!r}; known: {sorted(FAMILIES)}")
    scene = FAMILIES[family].sample(rng)
    if family == "rain":
        scene["rain"] = {"surface": scene["surface"], "intensity": scene["intensity"]}
    elif family in RAIN_COMBINABLE and (rain if rain is not None
                                        else rng.random() < (RAIN_PROB if rain_prob is None else rain_prob)):
        r = rain_family.sample(rng)
        scene["rain"] = {"surface": r["surface"], "intensity": r["intensity"]}
    return scene


def render_scene(scene: dict, cfg: AVConfig, rng: np.random.Generator) -> Clip:
    canvas = Canvas(cfg.num_frames, cfg.height, cfg.width, background(rng))
    stems = empty_stems(cfg.num_samples)
    events: list[Event] = []
    layout: dict = {}
    rain = scene.get("rain")
    if rain:
        rain_family.draw_ground(rain, rng, cfg, canvas)
    if scene["family"] != "rain":
        FAMILIES[scene["family"]].render(scene, rng, cfg, canvas, stems, events, layout)
    if rain:
        rain_family.render_drops(rain, rng, cfg, canvas, stems)
    peak = max(float(np.abs(sum(stems.values())).max()), 1e-9)
    if peak > 0.95:  # keep the mix out of clipping while preserving stem balance
        for k in stems:
            stems[k] *= 0.95 / peak
    events.sort(key=lambda e: e.time)
    return Clip(frames=canvas.to_uint8(), stems=stems, events=events, scene=scene,
                mouth=layout.get("mouth"), lit_keys=layout.get("lit_keys"))


def render_clip(seed: int, cfg: AVConfig | None = None, family: str | None = None, split: str = "train",
                weights: dict | None = None, rain: bool | None = None, rain_prob: float | None = None) -> Clip:
    """Render one clip. Same seed and arguments give the same clip, bit for bit."""
    cfg = cfg or AVConfig()
    rng = np.random.default_rng([int(seed), 0x7A1C])
    scene = sample_scene(rng, family, weights, rain, rain_prob)
    clip = render_scene(scene, cfg, rng)
    clip.caption = caption(scene, rng, split)
    clip.audio_caption = audio_caption(scene)
    return clip
