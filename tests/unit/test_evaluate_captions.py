"""scripts/evaluate_captions.py: the same scenes with other caption text."""
import json
from pathlib import Path

import numpy as np
import pytest

import evaluate_captions as ec  # scripts/ is on pytest's pythonpath
from talkie.models.world import captions

CAPTIONS_PY = Path(captions.__file__)


@pytest.fixture
def restore_grammar(monkeypatch):
    """main() swaps the caption module's grammar; put it back after each test."""
    for name in ("W", "TEMPLATES", "RAIN_OVERLAY"):
        monkeypatch.setattr(captions, name, getattr(captions, name))


def test_mixes_take_one_half_from_training():
    W, T, R = ec.mixed_grammar("words")
    assert W is captions.W and all(T[k][1] == captions.TEMPLATES[k][0] for k in T) and R[1] == captions.RAIN_OVERLAY[0]
    W, T, R = ec.mixed_grammar("templates")
    assert T is captions.TEMPLATES and all(W[k][1] == captions.W[k][0] for k in W)


def test_words_mix_gives_held_out_words_in_training_templates(restore_grammar):
    captions.W, captions.TEMPLATES, captions.RAIN_OVERLAY = ec.mixed_grammar("words")
    rng = np.random.default_rng(0)
    scene = {"family": "storm", "distance": "near"}
    text = captions.caption(scene, rng, "heldout")
    storm_train = [t.split("{")[0] for t in captions.TEMPLATES["storm"][0]]
    assert any(w in text for w in ("right overhead", "very close")), text
    assert any(text.startswith(p) for p in storm_train), text


def test_grammar_from_a_file_and_a_run_of_the_evaluation(tmp_path, restore_grammar):
    assert ec.load_grammar(str(CAPTIONS_PY))[0] == captions.W
    old = tmp_path / "old_captions.py"
    text = CAPTIONS_PY.read_text()
    ball_words = '"ball": (["ball", "sphere", "round object", "spherical object"]'
    assert ball_words in text
    old.write_text(text.replace(ball_words, '"ball": (["ballzz"]'))
    out = tmp_path / "r.json"
    assert ec.main(["--grammar-from", str(old), "--reference", "--families", "ball", "--clips-per-family", "2",
                    "--split", "train", "--out", str(out), "--quiet"]) == 0
    caps = [c["caption"] for c in json.loads(out.read_text())["clips"]]
    assert len(caps) == 2 and all("ballzz" in c for c in caps), caps
    with pytest.raises(SystemExit):
        ec.main(["--mix", "words", "--split", "train", "--reference", "--out", str(out)])
    with pytest.raises(SystemExit):
        ec.main(["--mix", "words", "--split=train", "--reference", "--out", str(out)])
