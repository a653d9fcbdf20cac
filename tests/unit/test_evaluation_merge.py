"""models/evaluation/merge.py: two seed ranges merged == one run over both."""
import json

import pytest

from talkie.models.evaluation.evaluate import run
from talkie.models.evaluation.merge import main, merge

FAMILIES = ["ball", "clap"]


def _reference(seed_start, n):
    return json.loads(json.dumps(run(None, n, families=FAMILIES, reference=True, seed_start=seed_start)))


def test_merged_parts_equal_one_run_over_all_seeds(tmp_path):
    whole = _reference(0, 3)
    a, b = _reference(0, 1), _reference(1, 2)
    merged = merge([b, a])  # order of the parts does not matter
    assert merged["overall"] == whole["overall"] and merged["families"] == whole["families"]
    assert merged["clips"] == whole["clips"]
    assert merged["config"] == whole["config"]
    for i, part in enumerate((a, b)):
        (tmp_path / f"{i}.json").write_text(json.dumps(part))
    assert main([str(tmp_path / "0.json"), str(tmp_path / "1.json"), "--out", str(tmp_path / "all.json"),
                 "--markdown", str(tmp_path / "all.md")]) == 0
    assert json.loads((tmp_path / "all.json").read_text())["overall"] == whole["overall"]
    assert "3 held-out scene(s) per family (seeds 0..)" in (tmp_path / "all.md").read_text()


def test_refuses_gaps_overlaps_and_other_settings():
    a, c = _reference(0, 1), _reference(2, 1)
    with pytest.raises(ValueError, match="adjacent"):
        merge([a, c])
    with pytest.raises(ValueError, match="adjacent"):
        merge([a, a])
    other = json.loads(json.dumps(a))
    other["config"]["seed_start"], other["config"]["split"] = 1, "train"
    with pytest.raises(ValueError, match="split"):
        merge([a, other])
    with pytest.raises(ValueError, match="at least two"):
        merge([a])


def test_families_joins_a_full_evaluation_to_one_of_a_single_family():
    whole_ball = json.loads(json.dumps(run(None, 3, families=["ball"], reference=True, seed_start=0)))
    full = _reference(0, 1)                                                  # ball and clap, seed 0
    ball_only = json.loads(json.dumps(run(None, 2, families=["ball"], reference=True, seed_start=1)))
    with pytest.raises(ValueError, match="families"):
        merge([full, ball_only])                                            # the parts differ unless told
    merged = merge([full, ball_only], families=["ball"])
    assert merged["overall"] == whole_ball["overall"] and merged["clips"] == whole_ball["clips"]
    assert merged["config"] == whole_ball["config"]
    with pytest.raises(ValueError, match="has no"):
        merge([full, ball_only], families=["clap"])
