"""`talkie generate` end to end on a tiny random-weight model: a real MP4 at the asked size
and length, read back with PyAV, and clear errors for bad requests."""
import json
import os

import pytest
import torch

from talkie.cli import main
from talkie.models.av_model import TalkieModel
from talkie.models.media import read_av_mp4

TINY = os.path.join(os.path.dirname(__file__), "..", "..", "models", "configs", "talkie-tiny.json")


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("ckpt") / "tiny.safetensors"
    TalkieModel.from_size_config(TINY).save(str(path))
    return str(path)


@pytest.mark.parametrize("seconds", [1.5, 3.0])  # inside the tiny model's 2 s window, and extended past it
def test_generate_writes_the_clip_asked_for(tmp_path, tiny_checkpoint, seconds, capsys):
    out = tmp_path / "clip.mp4"
    rc = main(["generate", "--prompt", "a red ball bounces", "--seconds", str(seconds), "--width", "96",
               "--height", "80", "--steps", "2", "--checkpoint", tiny_checkpoint, "--threads", "1", "--out", str(out)])
    assert rc == 0 and "wrote" in capsys.readouterr().out
    clip = read_av_mp4(out)
    assert clip["frames"].shape == (round(seconds * 24), 80, 96, 3)
    assert clip["sample_rate"] == 16000
    assert abs(clip["audio"].shape[-1] - seconds * 16000) <= 1
    assert json.loads(clip["metadata"]["talkie"])["seconds"] == seconds


def test_bad_request_is_a_clear_error(tmp_path, tiny_checkpoint, capsys):
    out = tmp_path / "odd.mp4"
    rc = main(["generate", "--prompt", "rain", "--seconds", "1", "--width", "95", "--height", "80", "--steps", "1",
               "--checkpoint", tiny_checkpoint, "--out", str(out)])
    assert rc == 2 and "even" in capsys.readouterr().err
    assert not out.exists()
