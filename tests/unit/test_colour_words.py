"""Colour names as perceptual token features: found in free text, aligned to the tokenizer,
read by models that learnt them and ignored by models trained before them; the survey
names used as training words never touch a held-out word."""
import json
import math
import os
import re

import numpy as np
import pytest
import torch

from talkie.models.colour_words import (FEATURE_GAIN, FEATURES, NEUTRAL_WORD, colour_spans, lab_features, lexicon,
                                        neutralise_colour_names, srgb_to_lab)
from talkie.models.joint_model import JointConfig, JointModel
from talkie.models.text_encoder import MINILM_DIM, TOKEN_DIM, TextEmbedding, TextEncoder
from talkie.models.world import caption, sample_scene
from talkie.models.world.captions import W
from talkie.models.world.colour_names import grammar_names_of_other_things, training_colour_names
from talkie.models.world.families.common import COLOURS

TINY = os.path.join(os.path.dirname(__file__), "..", "..", "models", "configs", "talkie-tiny.json")


def test_lab_of_primaries_and_white():
    white, red, blue = srgb_to_lab(np.array([[255, 255, 255], [255, 0, 0], [0, 0, 255]]))
    assert white == pytest.approx([100, 0, 0], abs=0.1)
    assert red == pytest.approx([53.2, 80.1, 67.2], abs=0.5)   # textbook sRGB -> CIELAB (D65) values
    assert blue == pytest.approx([32.3, 79.2, -107.9], abs=0.5)


def test_spans_take_the_longest_name_joined_by_spaces_or_hyphens():
    text = "a Sky-Blue orb, two plum-coloured balls and a sky; blue?"
    found = [(text[s:e], lab) for s, e, lab in colour_spans(text)]
    names = [n for n, _ in found]
    assert names == ["Sky-Blue", "plum-coloured", "sky", "blue"]  # "sky; blue" is two words, not one name
    lex = lexicon()
    assert found[0][1] == pytest.approx(lex["sky blue"]) and found[1][1] == pytest.approx(lex["plum"])
    assert colour_spans("someone applauding at a moderate tempo") == []


def test_features_tell_hues_and_greys_apart():
    lex = lexicon()
    red, green, blue, white, black = (lab_features(lex[n]) for n in ("red", "green", "blue", "white", "black"))
    red, green, blue, white, black = (f / FEATURE_GAIN for f in (red, green, blue, white, black))
    assert all(f[0] == 1.0 for f in (red, green, blue, white)) and len(red) == FEATURES
    hue = lambda f: math.degrees(math.atan2(f[6], f[5])) % 360  # noqa: E731
    assert hue(red) < 60 and 100 < hue(green) < 180 and 250 < hue(blue) < 320
    assert white[7] > 0.9 and black[7] < 0.1 and abs(white[5]) + abs(white[6]) < 0.2


def test_encoder_puts_features_on_the_colour_words_tokens_only():
    te = TextEncoder()
    text = "a cobalt ball and a wooden drum"
    emb = te.encode(text)
    assert emb.tokens.shape[-1] == TOKEN_DIM and emb.pooled.shape[-1] == MINILM_DIM
    enc = te.tokenizer.encode(text)
    flagged = [tok for tok, f in zip(enc.tokens, emb.tokens[0, :, MINILM_DIM]) if f > 0]
    assert flagged and "".join(t.removeprefix("##") for t in flagged) == "cobalt"
    feats = emb.tokens[0, [i for i, f in enumerate(emb.tokens[0, :, MINILM_DIM]) if f > 0][0], MINILM_DIM:]
    assert feats.numpy() == pytest.approx(lab_features(lexicon()["cobalt"]))
    # the MiniLM part and the sentence embedding do not depend on the colour features
    plain = te.encode("a ball and a wooden drum")
    assert plain.tokens[0, :, MINILM_DIM:].abs().sum() == 0


def test_neutral_reading_hides_which_colour_from_minilm_but_not_from_the_features():
    keep = grammar_names_of_other_things()
    assert {"steel", "pine"} <= keep and not keep & set(COLOURS)
    text, spans = neutralise_colour_names("An Amber steel ball and a sky-blue drum", keep)
    assert text == f"A {NEUTRAL_WORD} steel ball and a {NEUTRAL_WORD} drum"   # article follows the new word
    lex = lexicon()
    assert [text[s:e] for s, e, _ in spans] == [NEUTRAL_WORD, "steel", NEUTRAL_WORD]
    assert [lab for _, _, lab in spans] == [pytest.approx(lex[n]) for n in ("amber", "steel", "sky blue")]
    te = TextEncoder()
    scarlet = te.encode_colour_neutral("a scarlet ball bouncing", keep)
    lemon = te.encode_colour_neutral("a lemon-yellow ball bouncing", keep)
    # MiniLM sees the same sentence (same states, same sentence embedding) ...
    assert torch.equal(scarlet.tokens[..., :MINILM_DIM], lemon.tokens[..., :MINILM_DIM])
    assert torch.equal(scarlet.pooled, lemon.pooled)
    # ... and only the neutral word's token carries the colour, each its own
    flagged = (scarlet.tokens[0, :, MINILM_DIM:] != 0).any(-1).nonzero().flatten().tolist()
    assert te.tokenizer.encode(f"a {NEUTRAL_WORD} ball bouncing").tokens[flagged[0]] == NEUTRAL_WORD
    assert len(flagged) == 1
    assert scarlet.tokens[0, flagged[0], MINILM_DIM:].numpy() == pytest.approx(lab_features(lex["scarlet"]))
    assert lemon.tokens[0, flagged[0], MINILM_DIM:].numpy() == pytest.approx(lab_features(lex["lemon yellow"]))
    # a caption without colour names reads as usual
    plain = "two hands clapping quickly"
    assert torch.equal(te.encode_colour_neutral(plain).tokens, te.encode(plain).tokens)


def _inputs(B=2, dim=TOKEN_DIM, seed=0):
    g = torch.Generator().manual_seed(seed)
    text = TextEmbedding(torch.randn(B, 6, dim, generator=g), torch.ones(B, 6, dtype=torch.bool),
                         torch.nn.functional.normalize(torch.randn(B, MINILM_DIM, generator=g), dim=-1))
    t = torch.full((B,), 0.6)
    return (torch.randn(B, 8, 48, generator=g), torch.randn(B, 20, 32, generator=g), t, t,
            torch.linspace(0, 1, 8)[None].expand(B, -1), torch.linspace(0, 1, 20)[None].expand(B, -1), text, text)


def test_model_without_colour_features_ignores_them_and_widening_keeps_its_output():
    torch.manual_seed(0)
    model = JointModel(JointConfig(width=32, depth=2, heads=2, mlp_ratio=2.0)).eval()
    for p in model.parameters():  # zero-initialised output layers would hide any difference
        torch.nn.init.normal_(p, std=0.05)
    args = _inputs()
    other = list(args)
    tokens = args[6].tokens.clone()
    tokens[..., MINILM_DIM:] = torch.randn_like(tokens[..., MINILM_DIM:])
    other[6] = other[7] = TextEmbedding(tokens, args[6].mask, args[6].pooled)
    with torch.no_grad():
        before = model(*args)
        assert torch.equal(before[0], model(*other)[0])       # only the MiniLM part is read
        model.add_text_colour_features(FEATURES)
        after = model(*args)
        assert torch.allclose(before[0], after[0], atol=1e-5) and torch.allclose(before[1], after[1], atol=1e-5)
        model.blocks[0].v.xkv.weight[:, MINILM_DIM:].normal_()  # once trained, the features matter
        assert not torch.allclose(model(*args)[0], model(*other)[0], atol=1e-3)
    assert model.cfg.text_colour_features == FEATURES and model.cfg.text_token_dim == TOKEN_DIM
    with pytest.raises(ValueError, match="already"):
        model.add_text_colour_features(FEATURES)


def test_training_colour_names_are_near_their_colour_and_never_held_out():
    names = training_colour_names()
    assert set(names) == set(COLOURS) and all(len(v) >= 10 for v in names.values())
    ref = {c: srgb_to_lab(np.array(rgb, float)) for c, rgb in COLOURS.items()}
    lex = lexicon()
    held = {t for syn in W.values() for w in syn[1] for t in re.findall(r"[a-z]+", w)}
    train = {t for syn in W.values() for w in syn[0] for t in re.findall(r"[a-z]+", w)}
    for colour, ns in names.items():
        for n in ns:
            assert min(ref, key=lambda c: np.linalg.norm(ref[c] - lex[n])) == colour, n
            assert not set(n.split()) & (held - train), n
    assert "scarlet" not in names["red"] and "cobalt" not in names["blue"]


def test_captions_draw_survey_names_only_when_asked_and_only_for_training():
    scenes = [sample_scene(np.random.default_rng(s), "ball") for s in range(40)]
    plain = [caption(s, np.random.default_rng(1), "train") for s in scenes]
    assert plain == [caption(s, np.random.default_rng(1), "train", 0.0) for s in scenes]  # off: old captions
    surveyed = [caption(s, np.random.default_rng(1), "train", 1.0) for s in scenes]
    every = {n for v in training_colour_names().values() for n in v}
    grammar = {w for c in COLOURS for w in W[c][0]}
    hits = sum(any(re.search(rf"\b{re.escape(n)}\b", t) for n in every - grammar) for t in surveyed)
    assert hits >= 30
    held = [caption(s, np.random.default_rng(1), "heldout", 1.0) for s in scenes]
    assert held == [caption(s, np.random.default_rng(1), "heldout") for s in scenes]


def test_survey_neighbours_script_names_whole_words_only():
    import colour_survey_neighbours as csn  # scripts/ is on pytest's pythonpath

    assert csn.survey_colour("scarlet") == "red" and csn.survey_colour("plum-coloured") == "purple"
    assert csn.survey_colour("carrot-orange") is None      # not one survey name
    assert csn.survey_colour("a red ball") is None          # a sentence is not a word
    result = csn.neighbours()
    held = result["heldout"]
    assert held["total"] == sum(len(W[c][1]) for c in COLOURS) and held["right"] <= held["named"] <= held["total"]
    assert csn.markdown(result).count("\n") == 4


def test_colour_feature_probe_swaps_only_the_features_and_tallies_what_it_sees(tmp_path):
    import colour_feature_probe as cfp  # scripts/ is on pytest's pythonpath
    from talkie.models.av_model import TalkieModel

    te = TextEncoder()
    swapper = cfp.SwappedColourEncoder(te)
    prompt = cfp.PROMPT.format(word="yellow")
    own = swapper.encode(prompt)
    swapper.colour = "blue"
    blue = swapper.encode(prompt)
    assert torch.equal(own.tokens[..., :MINILM_DIM], blue.tokens[..., :MINILM_DIM]) and torch.equal(own.pooled, blue.pooled)
    named = (own.tokens[0, :, MINILM_DIM:] != 0).any(-1)
    assert named.sum() == 1 and not torch.equal(own.tokens[0, named], blue.tokens[0, named])
    assert blue.tokens[0, named, MINILM_DIM:][0].numpy() == pytest.approx(
        lab_features(srgb_to_lab(np.array(COLOURS["blue"], float))))
    ckpt = tmp_path / "tiny.safetensors"
    TalkieModel.from_size_config(str(TINY)).save(str(ckpt))
    out = tmp_path / "probe.json"
    assert cfp.main(["--checkpoint", str(ckpt), "--words", "yellow", "--colours", "yellow", "blue", "--seeds", "1",
                     "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    assert [(r["word"], r["features"], len(r["detected"])) for r in res["rows"]] == [("yellow", "yellow", 1), ("yellow", "blue", 1)]
    for key in ("own_colour_right", "swapped_follow_features", "swapped_follow_word"):
        assert 0.0 <= res[key] <= 1.0
    with pytest.raises(SystemExit):
        cfp.main(["--checkpoint", str(ckpt), "--colours", "teal"])
