"""scripts/paraphrase_neighbours.py: where the frozen encoder puts held-out words."""
import numpy as np
import pytest

import paraphrase_neighbours as pn  # scripts/ is on pytest's pythonpath
from talkie.models.text_encoder import TextEncoder
from talkie.models.world import caption, sample_scene
from talkie.models.world.captions import W


def test_setting_an_attribute_changes_what_the_caption_says():
    values = pn.attribute_values(n=600)
    assert set(values["ball"]) >= {"colour", "material", "size", "rain.intensity", "rain.surface"}
    assert set(values["rain"]) == {"intensity", "surface"}
    rng = np.random.default_rng(3)
    for fam, attrs in values.items():
        scene = sample_scene(rng, family=fam, rain=True)
        if fam == "ball":
            scene = pn.with_value(scene, "colour", "red")  # one ball: its colour is one word
        for attr, vals in attrs.items():
            if pn.read_value(scene, attr) is None:
                continue
            for v in vals:
                changed = pn.with_value(scene, attr, v)
                assert pn.read_value(changed, attr) == v
                text = caption(changed, np.random.default_rng(0), "train")
                assert pn.find_word(text, W[pn.word_key(attr.split(".")[-1], v)][0]), (attr, v, text)


def test_find_word_takes_whole_words_and_the_longest():
    assert pn.find_word("a rose-red ball", ["red"]) is None
    assert pn.find_word("a bright red ball", ["red", "bright red"]) == "bright red"
    assert pn.find_word("a squeaky-voiced emoji face", ["squeaky"]) == "squeaky"


@pytest.fixture(scope="module")
def encoder():
    return TextEncoder()


def test_encoder_choice_follows_the_swapped_word(encoder):
    candidates = {"red": ["red"], "blue": ["blue"], "green": ["green"]}
    assert pn.encoder_choice(encoder, "a small red rubber ball bouncing", "red", candidates) == "red"
    assert pn.encoder_choice(encoder, "a small blue rubber ball bouncing", "blue", candidates) == "blue"
