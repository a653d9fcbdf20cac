import re

import numpy as np
import pytest

from talkie.models.config import STEMS, AVConfig
from talkie.models.world import FAMILIES, render_clip, sample_scene
from talkie.models.world.captions import W, caption

CFG = AVConfig(seconds=2.0)


def test_deterministic_per_seed():
    a, b = render_clip(123, CFG), render_clip(123, CFG)
    assert np.array_equal(a.frames, b.frames)
    assert all(np.array_equal(a.stems[s], b.stems[s]) for s in STEMS)
    assert a.caption == b.caption and [e.time for e in a.events] == [e.time for e in b.events]
    c = render_clip(124, CFG)
    assert not np.array_equal(a.frames, c.frames)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_renders_with_ground_truth(family):
    clip = render_clip(7, CFG, family=family)
    assert clip.frames.shape == (CFG.num_frames, CFG.height, CFG.width, 3) and clip.frames.dtype == np.uint8
    assert set(clip.stems) == set(STEMS)
    assert all(v.shape == (CFG.num_samples,) for v in clip.stems.values())
    assert np.abs(clip.mix).max() <= 0.951
    assert clip.scene["family"] == family and clip.caption
    assert np.abs(clip.mix).max() > 1e-3, "every family makes sound"
    for e in clip.events:
        assert 0 <= e.time <= CFG.seconds and e.audio_time >= e.time
        onset = int(round(e.audio_time * CFG.sample_rate))
        if onset < CFG.num_samples - 10:
            # the sound of every event starts at its ground-truth time, not before
            before = np.abs(clip.mix[max(0, onset - 160):onset - 16]).max(initial=0)
            after = np.abs(clip.mix[onset:onset + 320]).max()
            if family not in ("rain", "storm") and not clip.scene.get("rain"):
                assert after > before, f"{family}: no onset at {e.audio_time:.4f}s"


def test_stems_hold_their_sources():
    assert np.abs(render_clip(3, CFG, family="face", rain=False).stems["voice"]).max() > 0.1
    assert np.abs(render_clip(3, CFG, family="keyboard", rain=False).stems["music"]).max() > 0.1
    rainy = render_clip(3, CFG, family="ball", rain=True)
    assert np.abs(rainy.stems["ambience"]).max() > 0.01 and np.abs(rainy.stems["effects"]).max() > 0.05


def test_rain_surfaces_sound_different():
    def centroid(x):
        spec = np.abs(np.fft.rfft(x))
        f = np.fft.rfftfreq(len(x), 1 / CFG.sample_rate)
        return float((spec * f).sum() / spec.sum())
    cents = {}
    for surface in ("metal", "asphalt"):
        for seed in range(40):
            clip = render_clip(seed, CFG, family="rain")
            if clip.scene["surface"] == surface and clip.scene["intensity"] == "heavy":
                cents[surface] = centroid(clip.stems["ambience"])
                break
    assert cents["metal"] > 1.5 * cents["asphalt"]


def test_heldout_words_never_in_training_captions():
    held = {w for _, (tr, ho) in W.items() for w in ho}
    train_words = {w for _, (tr, ho) in W.items() for w in tr}
    assert not held & train_words
    rng = np.random.default_rng(0)
    for i in range(2000):  # whole words and phrases alike: a held-out entry is never in a training caption,
        text = caption(sample_scene(rng), rng, "train", 0.5 * (i % 2))  # nor in one with survey colour names
        leaked = [h for h in held if re.search(rf"(?<![\w-]){re.escape(h)}(?![\w-])", text)]
        assert not leaked, (leaked, text)


def test_rain_overlay_probability():
    """`rain_prob` sets how often a family that takes rain gets it; the default is unchanged
    (the same scenes as before the option, draw for draw)."""
    def rainy(**kw):
        return sum("rain" in sample_scene(np.random.default_rng(s), "ball", **kw) for s in range(200))
    assert rainy(rain_prob=1.0) == 200 and rainy(rain_prob=0.0) == 0
    assert rainy() == rainy(rain_prob=0.25) and 30 <= rainy() <= 70
    assert 70 <= rainy(rain_prob=0.5) <= 130
    assert "rain" not in sample_scene(np.random.default_rng(0), "storm", rain_prob=1.0)
