import os
import pickle

import pytest
import torch

from talkie.models.av_model import TalkieModel
from talkie.models.checkpoint import CheckpointError, load_checkpoint, save_checkpoint

TINY = os.path.join(os.path.dirname(__file__), "..", "..", "models", "configs", "talkie-tiny.json")


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_checkpoint_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    for name in ("evil.ckpt", "evil.pt", "evil.safetensors"):
        path = tmp_path / name
        with open(path, "wb") as fh:
            pickle.dump(_Evil(str(marker)), fh)
        with pytest.raises(CheckpointError) as e:
            TalkieModel.load(str(path))
        assert name in str(e.value)
    assert not marker.exists()


def test_truncated_and_mismatched_checkpoints_name_the_problem(tmp_path):
    model = TalkieModel.from_size_config(TINY)
    good = tmp_path / "good.safetensors"
    model.save(str(good))
    data = good.read_bytes()
    bad = tmp_path / "truncated.safetensors"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated.safetensors"):
        TalkieModel.load(str(bad))
    other = tmp_path / "other.safetensors"
    save_checkpoint(str(other), {"x": torch.zeros(3)}, {"format": "something-else"})
    with pytest.raises(CheckpointError, match="not a Talkie AV model"):
        TalkieModel.load(str(other))
    tensors, meta = load_checkpoint(str(good))
    tensors.pop(next(iter(tensors)))
    missing = tmp_path / "missing.safetensors"
    save_checkpoint(str(missing), tensors, meta)
    with pytest.raises(CheckpointError, match="missing"):
        TalkieModel.load(str(missing))


def test_round_trip_keeps_config_and_weights(tmp_path):
    torch.manual_seed(0)
    model = TalkieModel.from_size_config(TINY)
    path = tmp_path / "m.safetensors"
    model.save(str(path), {"step": 7}, dtype=None)
    loaded = TalkieModel.load(str(path))
    assert loaded.checkpoint_meta["step"] == 7 and loaded.av == model.av
    for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), k
