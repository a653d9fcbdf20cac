"""models/world/word_substitutes: MiniLM neighbours that may say a training caption's family words."""
import re

import numpy as np

from talkie.models.world import caption, sample_scene
from talkie.models.world.word_substitutes import (
    _shares_stem, attribute_words, heldout_only_words, load_table, substitutable_words, substitute_words)


def test_the_shipped_table_never_says_a_held_out_word_an_attribute_or_another_ending_of_its_word():
    table = load_table()
    assert len(table) >= 40
    held, attrs = heldout_only_words(), attribute_words()
    assert {"tumbler", "applauding", "drums", "globe", "babbling"} <= held  # the paraphrase words are known
    assert {"red", "rubber", "large", "slowly", "two"} <= attrs
    for word, subs in table.items():
        assert word in substitutable_words() and word not in attrs, word
        assert subs and len(set(subs)) == len(subs), word
        for s in subs:
            assert re.fullmatch(r"[a-z]{3,}", s), (word, s)
            assert s not in held and s not in attrs, (word, s)
            assert not any(_shares_stem(s, h) for h in held), (word, s)
            assert not _shares_stem(s, word), (word, s)


def test_shares_stem_takes_endings_only():
    assert _shares_stem("smashing", "smashes") and _shares_stem("applause", "applauding")
    assert _shares_stem("balls", "ball")
    assert not _shares_stem("chatting", "chattering") and not _shares_stem("cup", "cups")  # too short to tell
    assert not _shares_stem("storm", "thunder")


def test_substitution_changes_family_words_only_and_draws_nothing_when_off():
    table = {"clapping": ["cheering"], "storm": ["hurricane"], "object": ["item"]}
    rng = np.random.default_rng(0)
    assert substitute_words("hands clapping slowly", rng, 0.0, table) == "hands clapping slowly"
    assert rng.random() == np.random.default_rng(0).random()  # p = 0 drew nothing
    assert substitute_words("hands clapping slowly", np.random.default_rng(0), 1.0, table) == "hands cheering slowly"
    assert substitute_words("a round object", np.random.default_rng(0), 1.0, table) == "a round item"
    # the article follows the new word
    assert substitute_words("a storm far off", np.random.default_rng(0), 1.0, {"storm": ["ice"]}) == "an ice far off"


def test_captions_substitute_only_in_training_and_keep_every_attribute_word():
    scenes = [sample_scene(np.random.default_rng(s)) for s in range(60)]
    plain = [caption(s, np.random.default_rng(1), "train") for s in scenes]
    assert plain == [caption(s, np.random.default_rng(1), "train", 0.0, 0.0) for s in scenes]  # off: old captions
    swapped = [caption(s, np.random.default_rng(1), "train", 0.0, 1.0) for s in scenes]
    assert sum(a != b for a, b in zip(plain, swapped)) >= 40
    attrs = attribute_words() - {"a"}  # the count word "a" is also the article, which may become "an"
    said = lambda text: [w for w in re.findall(r"[a-z]+", text) if w in attrs]  # noqa: E731
    for a, b in zip(plain, swapped):
        assert said(a) == said(b), (a, b)
    held = [caption(s, np.random.default_rng(1), "heldout", 0.0, 1.0) for s in scenes]
    assert held == [caption(s, np.random.default_rng(1), "heldout") for s in scenes]
