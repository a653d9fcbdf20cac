"""scripts/benchmark_modes.py end to end on a tiny random-weight model: every mode runs and the
result is complete and well-formed (a random model scores badly; only the structure is checked),
plus the pooling arithmetic on known inputs."""
import json
import math
from pathlib import Path

import pytest
import torch

import benchmark_modes as bm  # scripts/ is on pytest's pythonpath
from talkie.models.av_model import TalkieModel

TINY = Path(__file__).resolve().parents[2] / "models" / "configs" / "talkie-tiny.json"


def walk(x, path="result"):
    """Every number finite; every None has a reason in its dict's none_reasons."""
    if isinstance(x, dict):
        for k, v in x.items():
            if v is None:
                reason = x.get("none_reasons", {}).get(k)
                assert isinstance(reason, str) and reason, f"{path}.{k} is None without a reason"
            else:
                walk(v, f"{path}.{k}")
    elif isinstance(x, list):
        for i, v in enumerate(x):
            assert v is not None, f"{path}[{i}] is None"
            walk(v, f"{path}[{i}]")
    elif isinstance(x, float):
        assert math.isfinite(x), f"{path} = {x}"


def test_walk_catches_bad_numbers():
    with pytest.raises(AssertionError):
        walk({"a": float("nan")})
    with pytest.raises(AssertionError):
        walk({"a": None})
    walk(bm.clean({"a": float("nan"), "b": [1.0]}))  # clean gives the None a reason


def test_pool_matches_hand_computed_numbers():
    a = {"offsets_ms": [5.0, -20.0, 10.0], "n_matched": 2, "n_visual": 4, "n_audio": 2}
    b = {"offsets_ms": [], "n_matched": 0, "n_visual": 0, "n_audio": 0}
    s = bm.pool([a, b])
    assert s["n_clips"] == 2 and s["n_pairs"] == 3
    assert s["median_abs_offset_ms"] == 10.0 and s["median_offset_ms"] == 5.0
    assert s["share_in_window"] == pytest.approx(2 / 3)
    assert s["precision"] == 1.0 and s["recall"] == 0.5 and s["f1"] == pytest.approx(2 / 3)
    assert s["meets_target"] is False
    good = bm.pool([{"offsets_ms": [3.0, 4.0], "n_matched": 2, "n_visual": 2, "n_audio": 2}])
    assert good["meets_target"] is True
    empty = bm.pool([b])
    assert empty["median_abs_offset_ms"] is None and empty["meets_target"] is None
    walk(empty)


def test_window_rms_db():
    x = torch.cat([torch.full((100,), 0.1), torch.full((100,), 0.01), torch.zeros(50)]).numpy()
    assert bm.window_rms_db(x, 100) == pytest.approx([-20.0, -40.0])  # the partial window is left out


def test_end_to_end_on_a_tiny_model(tmp_path):
    ckpt = tmp_path / "tiny.safetensors"
    torch.manual_seed(0)
    TalkieModel.from_size_config(str(TINY)).save(str(ckpt))
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    threads = torch.get_num_threads()
    try:
        assert bm.main(["--checkpoint", str(ckpt), "--clips", "1", "--steps", "2", "--extend-seconds", "3",
                        "--threads", "1", "--out", str(out), "--markdown", str(md), "--quiet"]) == 0
    finally:
        torch.set_num_threads(threads)
    r = json.loads(out.read_text())
    walk(r)
    assert set(r["modes"]) == set(bm.MODES) - {"extension"}
    for name, m in r["modes"].items():
        s = m["summary"]
        for key in ("median_abs_offset_ms", "median_offset_ms", "share_in_window", "f1", "mean_generation_s"):
            assert key in s, f"{name}: {key} missing"
        assert s["n_clips"] == 1 and len(m["clips"]) == 1 and m["clips"][0]["seed"] == 0
        assert ("meets_target" in s) == (m["family"] == "ball")
    assert "sync_tracker" in r["modes"]["video->audio"]["summary"]
    assert "sync_detected_onsets" in r["modes"]["audio->video"]["summary"]
    assert "lipsync_lag_ms" in r["modes"]["audio->video (face)"]["summary"]
    img = r["modes"]["image->AV"]
    assert 0.0 <= img["summary"]["colour_kept"] <= 1.0
    assert img["summary"]["colour_read_on_given_image"] == 1.0  # the detector reads the rendered image
    ext = r["extension"]
    # tiny model: 2 s window, 1 s overlap -> 1 new second per window; 2 s + 3 s = 5 s = two whole windows
    assert ext["rain"]["seconds"] == pytest.approx(5.0) and len(ext["rain"]["ambience_rms_db"]) == 2
    assert ext["rain"]["ambience_drift_db"] is not None and ext["rain"]["ambience_drift_db"] >= 0
    assert len(ext["rain"]["world_drift_db"]) == 5 and all(d >= 0 for d in ext["rain"]["world_drift_db"])
    for t in (ext["rain"]["timing"], ext["ball"]["timing"]):
        assert t["windows"] == 3 and len(t["window_s_per_generated_s"]) == 3
        assert t["first"] > 0 and t["last_over_first"] > 0
    assert len(ext["ball"]["events_per_window"]) == 3
    assert r["machine"]["threads"] == 1 and r["machine"]["cores"] >= 1
    assert r["command"].startswith("python scripts/benchmark_modes.py --checkpoint")
    text = md.read_text()
    for mode in bm.MODES[:-1]:
        assert f"| {mode} |" in text
    assert "ambience RMS drift" in text and "rendered by the world" in text and "Machine:" in text
    assert "Command:" in text


def test_world_drift_is_the_rendered_scenes_own_level_change():
    """Steady heavy rain moves less between windows than sparse light rain, and a window as
    long as the clip has nothing to compare (zero)."""
    from talkie.models.config import AVConfig

    def scene(intensity):
        return {"family": "rain", "surface": "metal", "intensity": intensity,
                "rain": {"surface": "metal", "intensity": intensity}}

    heavy = bm.world_ambience_drift(AVConfig(seconds=16.0), scene("heavy"), 2.0, seed=0, renders=3)
    light = bm.world_ambience_drift(AVConfig(seconds=16.0), scene("light"), 2.0, seed=0, renders=3)
    assert len(heavy) == 3 and min(heavy) > 0
    assert sorted(heavy)[1] < sorted(light)[1]
    assert bm.world_ambience_drift(AVConfig(seconds=2.0), scene("light"), 2.0, seed=0, renders=1) == [0.0]


def _rendered_as_generated(clip, cfg, delay_s=0.0):
    """A perfect generator: the rendered clip itself (its sound optionally delayed)."""
    from talkie.models.config import STEMS
    from talkie.models.pipeline import GeneratedClip

    st = torch.stack([torch.from_numpy(clip.stems[k]) for k in STEMS])
    st = torch.nn.functional.pad(st, (int(round(delay_s * cfg.sample_rate)), 0))[:, :st.shape[1]]
    return GeneratedClip(torch.from_numpy(clip.frames).float()[None] / 255, st[None], cfg.sample_rate, cfg.fps)


@pytest.mark.parametrize("mode", ["text->AV", "image->AV", "video->audio", "audio->video"])
def test_scorers_pass_on_rendered_clips_and_fail_on_late_sound(mode):
    from talkie.models.config import AVConfig
    from talkie.models.world import render_clip

    cfg = AVConfig()
    clips = [render_clip(s, cfg, family="ball", split="heldout", rain=False) for s in range(2)]
    good = bm.pool([bm.SCORERS[mode](cfg, c, _rendered_as_generated(c, cfg))["sync"] for c in clips])
    assert good["meets_target"] is True and good["median_abs_offset_ms"] < 2.0
    if mode == "video->audio":  # the generated sound 60 ms late against the rendered picture
        late = bm.pool([bm.SCORERS[mode](cfg, c, _rendered_as_generated(c, cfg, 0.06))["sync"] for c in clips])
        assert late["meets_target"] is False and 55.0 < late["median_offset_ms"] < 65.0
