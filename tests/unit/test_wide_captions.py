"""models/world/wide_captions: the wider training grammar (other words, other sentence shapes)."""
import re
from collections import Counter

import numpy as np

from talkie.models.world import caption, sample_scene
from talkie.models.world.captions import TEMPLATES, W, split_words, template_words
from talkie.models.world.wide_captions import (
    CLAUSE_FRAMES, PHRASE_FRAMES, WIDE_RAIN_OVERLAY, WIDE_TEMPLATES, WIDE_W, wide_caption)
from talkie.models.world.word_substitutes import IDENTITY_KEYS, STOPWORDS, _shares_stem, heldout_only_words


def test_no_word_of_the_wide_grammar_is_a_held_out_word_or_another_ending_of_one():
    said = set()
    for phrases in WIDE_W.values():
        said |= {w for p in phrases for w in template_words(p)}
    for text in CLAUSE_FRAMES + PHRASE_FRAMES + WIDE_RAIN_OVERLAY:
        said |= set(template_words(text))
    for clauses, phrases in WIDE_TEMPLATES.values():
        said |= {w for t in clauses + phrases for w in template_words(t)}
    held = heldout_only_words()
    assert {"tumbler", "smashes", "applauding", "drums", "that", "watch"} <= held
    assert said & held == set()
    new = said - split_words("train")  # a word training captions say anyway ("drum" by "drums") is no leak
    assert {"goblet", "handclaps", "ricochets"} <= new
    assert [(w, h) for w in new for h in held if _shares_stem(w, h)] == []


def test_every_family_has_a_wide_shape():
    assert set(WIDE_TEMPLATES) == set(TEMPLATES)
    assert all(clauses or phrases for clauses, phrases in WIDE_TEMPLATES.values())


def test_off_the_captions_are_the_old_ones_and_nothing_is_drawn():
    scenes = [sample_scene(np.random.default_rng(s)) for s in range(60)]
    for s in scenes:
        a, b = np.random.default_rng(3), np.random.default_rng(3)
        assert caption(s, a, "train") == caption(s, b, "train", 0.0, 0.0, 0.0)
        assert a.random() == b.random()
    # held-out captions never take the wider grammar
    assert ([caption(s, np.random.default_rng(1), "heldout", wide_p=1.0) for s in scenes]
            == [caption(s, np.random.default_rng(1), "heldout") for s in scenes])


def test_wide_captions_say_every_attribute_the_plain_caption_says():
    scenes = [sample_scene(np.random.default_rng(s)) for s in range(200)]
    # the training split's attribute words; "glass" is also the glass family's noun
    attrs = split_words("train", [k for k in W if k not in IDENTITY_KEYS]) - STOPWORDS - {"glass"}
    said = lambda text: Counter(w for w in re.findall(r"[a-z]+", text) if w in attrs)  # noqa: E731
    changed = 0
    for s in scenes:
        plain = caption(s, np.random.default_rng(5), "train")
        wide = caption(s, np.random.default_rng(5), "train", wide_p=1.0)
        changed += plain != wide
        assert said(plain) == said(wide), (plain, wide)
        assert "{" not in wide and "  " not in wide and not re.search(r"\ba [aeiou]", wide), wide
    assert changed == len(scenes)
    half = [caption(s, np.random.default_rng(5), "train", wide_p=0.5) for s in scenes]
    # at 0.5 a caption is the wide one (same draws as at 1.0) about half the time
    assert 60 <= sum(h == caption(s, np.random.default_rng(5), "train", wide_p=1.0) for h, s in zip(half, scenes)) <= 140


def test_two_balls_take_plural_nouns_and_verbs():
    scene = {"family": "ball", "count": 2, "colours": ["red", "blue"], "size": "small", "material": "rubber"}
    slots = {"count": "two", "size": "small", "material": "rubber", "colour": "red and blue"}
    singular = {p.split()[0] for p in WIDE_W["bounces"]}
    for seed in range(40):
        text = wide_caption(scene, slots, np.random.default_rng(seed))
        assert not set(text.split()) & singular, text
        assert re.search(r"(ball|sphere|thing|object)s\b", text), text
