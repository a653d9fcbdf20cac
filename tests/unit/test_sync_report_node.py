"""Talkie Sync Report node, called directly (no server): a rendered bouncing-ball clip with
its sound shifted late, and the input checks."""
import numpy as np
import pytest
import torch


@pytest.fixture
def node(comfy_api_importable):
    """The node class (see conftest's comfy_api_importable)."""
    from talkie.nodes.sync_report import TalkieSyncReport

    return TalkieSyncReport


def _ball_clip(shift_s):
    from talkie.models.config import AVConfig
    from talkie.models.world import render_clip

    cfg = AVConfig(width=128, height=128)
    clip = next(c for c in (render_clip(s, cfg, family="ball", rain=False) for s in range(20))
                if c.scene["count"] == 1 and len(c.events) >= 3 and c.events[0].time > 0.2)
    n = round(shift_s * cfg.sample_rate)
    late = np.concatenate([np.zeros(n, np.float32), clip.mix[:-n]])
    images = torch.from_numpy(clip.frames).float() / 255.0
    audio = {"waveform": torch.from_numpy(late)[None, None], "sample_rate": cfg.sample_rate}
    return images, audio, cfg.fps, clip


@pytest.mark.parametrize("visual_events", ["auto", "contacts"])
def test_report_on_a_late_ball_clip(node, visual_events):
    images, audio, fps, clip = _ball_clip(0.060)
    out = node.execute(images, audio, fps, visual_events, 45.0)
    text, plot = out.result
    assert "visual events: contacts" in text  # auto picks the tracker for one bouncing ball
    median = float(text.split("median ")[1].split(" ms")[0])
    assert abs(median - 60.0) < 3.0, text
    assert "F1 1.00" in text and f"{len(clip.events)} paired" in text
    assert plot.dim() == 4 and plot.shape[0] == 1 and plot.shape[-1] == 3 and plot.dtype == torch.float32
    assert 0.0 <= plot.min() and plot.max() <= 1.0 and plot.std() > 0.01
    assert out.ui.as_dict() == {"text": (text,)}


def test_auto_falls_back_to_generic_on_flashes(node):
    fps, sr = 24, 16000
    frames = torch.zeros(48, 16, 16, 3)
    audio = torch.zeros(1, 1, 2 * sr)
    for k in (10, 30):
        frames[k] = 1.0
        audio[0, 0, round(k / fps * sr):round(k / fps * sr) + 40] = 0.8
    text, _ = node.execute(frames, {"waveform": audio, "sample_rate": sr}, fps, "auto", 45.0).result
    assert "visual events: generic (auto)" in text and "median +0.0 ms" in text


@pytest.mark.parametrize("images,audio,fps,match", [
    (torch.zeros(4, 8, 8), None, 24.0, "IMAGE tensor"),
    (torch.zeros(0, 8, 8, 3), None, 24.0, "empty"),
    (torch.full((4, 8, 8, 3), float("nan")), None, 24.0, "NaN"),
    (None, {"waveform": torch.zeros(1, 100)}, 24.0, "AUDIO value"),
    (None, {"waveform": torch.zeros(1, 100), "sample_rate": 16000}, 24.0, r"\[B, C, N\]"),
    (None, {"waveform": torch.full((1, 1, 100), float("inf")), "sample_rate": 16000}, 24.0, "infinite"),
    (None, None, 0.5, "fps"),
    (None, None, float("nan"), "fps"),
    (None, None, 500.0, "fps"),
])
def test_bad_inputs_are_refused_clearly(node, images, audio, fps, match):
    images = torch.zeros(4, 8, 8, 3) if images is None else images
    audio = {"waveform": torch.zeros(1, 1, 16000), "sample_rate": 16000} if audio is None else audio
    with pytest.raises(ValueError, match=match):
        node.execute(images, audio, fps, "auto", 45.0)


def test_schema(node):
    schema = node.define_schema()
    assert schema.node_id == "TalkieSyncReport" and schema.display_name == "Talkie Sync Report"
    assert schema.category == "Talkie" and schema.is_output_node
    combo = next(i for i in schema.inputs if i.id == "visual_events")
    assert combo.options == ["auto", "generic", "brightness", "motion", "contacts"]
