"""Colour grounding: untrained colour names said with a model's own colour words, noun uses
and known words left alone, the vocabulary carried in checkpoint metadata, and the three
places that read a prompt (Generator, Text Encode node, training's checkpoints) using it."""
import os
import types

import numpy as np
import pytest
import torch

from talkie.models.colour_grounding import COLOUR_VOCABULARY_KEY, ColourVocabulary
from talkie.models.colour_words import lexicon
from talkie.models.world.captions import W
from talkie.models.world.colour_names import trained_colour_vocabulary, training_colour_names
from talkie.models.world.families.common import COLOURS

TINY = os.path.join(os.path.dirname(__file__), "..", "..", "models", "configs", "talkie-tiny.json")


@pytest.fixture(scope="module")
def red_blue():
    """A model that trained on two colour words only."""
    lex = lexicon()
    return ColourVocabulary({"red": (lex["red"], "red"), "blue": (lex["blue"], "blue")}, other_words=["steel"])


def test_untrained_names_become_the_nearest_trained_word(red_blue):
    said, done = red_blue.ground("a big cobalt ball beside a scarlet drum")
    assert said == "a big blue ball beside a red drum"
    assert [(g.name, g.said) for g in done] == [("cobalt", "blue"), ("scarlet", "red")]


def test_trained_and_other_known_words_stay_and_articles_agree(red_blue):
    assert red_blue.ground("a red ball on a steel plate") == ("a red ball on a steel plate", [])
    lex = lexicon()
    vowel = ColourVocabulary({"orange": (lex["orange"], "orange")})
    assert vowel.ground("a tangerine ball")[0] == "an orange ball"
    assert red_blue.ground("An amber-coloured ball")[0].startswith("A ")  # "-coloured" belongs to the name


def test_a_name_joined_to_another_colour_is_a_colour():
    lex = lexicon()
    vocabulary = ColourVocabulary({c: (lex[c], c) for c in ("red", "blue", "purple")})
    assert vocabulary.ground("two scarlet and purple globes")[0] == "two red and purple globes"
    assert vocabulary.ground("a scarlet or lilac ball")[0] == "a red or purple ball"
    assert vocabulary.ground("rain on the grass and a ball")[1] == []  # "and" before a non-colour


def test_a_name_after_a_copula_is_a_colour():
    """English puts predicative adjectives after "is": the held-out ball template says "a globe
    that is lilac and huge", where no other rule marks "lilac" (it is followed by "and" and a
    size, not by a noun or a colour)."""
    lex = lexicon()
    vocabulary = ColourVocabulary({c: (lex[c], c) for c in ("red", "blue", "purple")})
    assert vocabulary.ground("a globe that is lilac and huge")[0] == "a globe that is purple and huge"
    assert vocabulary.ground("two balls that are scarlet.")[0] == "two balls that are red."
    assert vocabulary.ground("the drum looks scarlet")[0] == "the drum looks red"
    assert vocabulary.ground("globes that are lilac and scarlet and huge")[0] == "globes that are purple and red and huge"
    assert vocabulary.ground("a lilac and huge globe")[1] == []  # no copula, no noun after: left alone


def test_noun_uses_are_left_alone(red_blue):
    for text in ("a ball under the sky.", "the sky is clear", "rain on the grass and a ball", "sky"):
        assert red_blue.ground(text) == (text, []), text
    # a basic colour term marks a colour wherever it stands
    assert red_blue.ground("the ball is sky-blue")[0] == "the ball is blue"


def test_vocabulary_travels_in_metadata(red_blue):
    meta = {COLOUR_VOCABULARY_KEY: red_blue.to_meta()}
    again = ColourVocabulary.from_meta(meta)
    text = "a cobalt ball, a lilac drum and a steel plate"
    assert again.ground(text) == red_blue.ground(text)
    assert ColourVocabulary.from_meta({}) is None and ColourVocabulary.from_meta(None) is None
    with pytest.raises(ValueError, match=COLOUR_VOCABULARY_KEY):
        ColourVocabulary.from_meta({COLOUR_VOCABULARY_KEY: {"colours": [["red", 1.0]]}})


def test_the_worlds_vocabulary_leaves_every_training_caption_word_alone():
    vocabulary = trained_colour_vocabulary()
    plain = {W[c][0][0] for c in COLOURS}
    assert set(vocabulary.say) == plain
    for c in COLOURS:
        for word in W[c][0] + training_colour_names()[c]:
            assert vocabulary.ground(f"a {word} ball")[1] == [], word


def test_training_captions_reach_the_model_as_written():
    """Whatever the training grammar writes (colour slots, survey names in them, and its other
    words such as the storm's "dark sky" or a "steel roof") the model trained on: none is replaced."""
    from talkie.models.world import FAMILIES, sample_scene
    from talkie.models.world.captions import caption

    vocabulary = trained_colour_vocabulary()
    rng = np.random.default_rng(0)
    for family in FAMILIES:
        for _ in range(40):
            text = caption(sample_scene(rng, family), rng, "train", colour_name_p=0.5)
            assert vocabulary.ground(text)[1] == [], text


def test_the_worlds_vocabulary_says_each_world_colour_for_its_own_survey_colour():
    """A name the model never trained on, whose survey colour is a world colour's rendered
    one exactly, is said with that world colour's word."""
    from talkie.models.colour_words import srgb_to_lab

    vocabulary = trained_colour_vocabulary()
    for c, rgb in COLOURS.items():
        assert vocabulary.nearest(srgb_to_lab(rgb)) == W[c][0][0], c


def _tiny_model(meta):
    from talkie.models.av_model import TalkieModel

    model = TalkieModel.from_size_config(TINY)
    if meta is not None:
        model.checkpoint_meta = meta
    return model


def test_generator_reads_the_grounded_prompt_only_when_asked(red_blue):
    from talkie.models.pipeline import Generator

    meta = {COLOUR_VOCABULARY_KEY: red_blue.to_meta()}
    text = object()  # said() never touches the text encoder
    assert Generator(_tiny_model(meta), text).said("a cobalt ball") == "a blue ball"
    assert Generator(_tiny_model(meta), text, ground_colours=False).said("a cobalt ball") == "a cobalt ball"
    assert Generator(_tiny_model(None), text).said("a cobalt ball") == "a cobalt ball"


def test_text_encode_node_encodes_the_grounded_prompt(comfy_api_importable, red_blue):
    from talkie.models.text_encoder import TextEncoder
    from talkie.nodes.text_encode import TalkieTextEncode

    te = TextEncoder()
    handle = types.SimpleNamespace(model=_tiny_model({COLOUR_VOCABULARY_KEY: red_blue.to_meta()}), text_encoder=te)
    out = TalkieTextEncode.execute(handle, "a cobalt ball", "a cobalt ball rings")
    plain = TalkieTextEncode.execute(handle, "a cobalt ball", None, False)
    grounded, as_written = out.result[0], plain.result[0]
    assert out.ui.as_dict() == {"text": ("read as: cobalt -> blue",)}  # shown on the node
    assert plain.ui.as_dict() == {"text": ("",)}
    assert torch.equal(grounded[0][0], te.encode("a blue ball").tokens)
    assert torch.equal(grounded[0][1]["talkie_audio"]["tokens"], te.encode("a blue ball rings").tokens)
    assert torch.equal(as_written[0][0], te.encode("a cobalt ball").tokens)
    assert not np.allclose(grounded[0][0].numpy(), as_written[0][0].numpy())
