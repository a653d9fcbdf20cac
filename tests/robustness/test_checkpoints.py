"""Checkpoints through the server: safetensors only. Hostile files are put in the server's
`talkie` model folder (an extra model path under pytest's tmp dir, in a uniquely named
subfolder that is removed afterwards).

- a pickle named .ckpt / .pt is refused when the prompt is queued, with a message naming it;
- a pickle named .safetensors is listed but refused when loaded, naming it, and the code it
  carries never runs (the marker file it would create stays absent);
- truncated, empty, garbage, foreign and mismatched safetensors files give an error naming
  the file and what is wrong; the shipped model still loads afterwards."""
from __future__ import annotations

import pickle
import shutil
import uuid

import pytest
import torch

from robustness.helpers import av_prompt, clear_outcome_message, run_raw
from talkie.models.checkpoint import load_checkpoint, save_checkpoint
from talkie.models.pipeline import default_checkpoint_path

pytestmark = pytest.mark.server


class _Evil:
    """Unpickling this calls open(marker, "w"): creating the marker would prove code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def model_folder(robust_server):
    sub = f"robustness-{uuid.uuid4().hex[:8]}"
    folder = robust_server.models_dir / sub
    folder.mkdir()
    try:
        yield folder, sub
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _load(client, choice):
    return run_raw(client, av_prompt(checkpoint=choice, prefix="robustness/checkpoint"))


def test_pickle_checkpoints_are_refused_and_never_run(robust_client, model_folder, tmp_path):
    folder, sub = model_folder
    marker = tmp_path / "pwned"
    torch_pickle = {"state_dict": {"w": torch.zeros(2)}, "evil": _Evil(str(marker))}
    for name in ("evil.ckpt", "evil.pt", "evil.bin", "evil.safetensors", "evil-zip.safetensors"):
        if name.startswith("evil-zip"):
            torch.save(torch_pickle, folder / name)  # torch's zip+pickle format, under a safetensors name
        else:
            with open(folder / name, "wb") as fh:
                pickle.dump(_Evil(str(marker)), fh)
        kind, value = _load(robust_client, f"{sub}/{name}")
        message = clear_outcome_message(kind, value)
        if name.endswith(".safetensors"):
            assert kind == "failed", (name, kind, message)
            assert "not a safetensors file" in message or "could not be read" in message, message
        else:
            assert kind == "rejected", (name, kind, message)
            assert "only .safetensors" in message, message
        assert name in message, f"the error does not name {name}: {message}"
        assert not marker.exists(), f"loading {name} ran the code inside it"
    assert not marker.exists()


def test_damaged_and_mismatched_checkpoints_name_file_and_problem(robust_client, model_folder):
    folder, sub = model_folder
    good = default_checkpoint_path()
    data = open(good, "rb").read()
    tensors, meta = load_checkpoint(good)
    first = sorted(tensors)[0]
    cases = {
        "truncated.safetensors": (lambda p: p.write_bytes(data[: len(data) // 2]), r"truncated|could not be read"),
        "header-only.safetensors": (lambda p: p.write_bytes(data[:8]), r"truncated|could not be read"),
        "empty.safetensors": (lambda p: p.write_bytes(b""), r"truncated"),
        "garbage.safetensors": (lambda p: p.write_bytes(b"\xff" * 4096), r"truncated|could not be read"),
        "foreign.safetensors": (lambda p: save_checkpoint(str(p), {"x": torch.zeros(3)}, {"format": "other"}),
                                r"not a Talkie AV model"),
        "no-meta.safetensors": (lambda p: _save_plain(p, {"x": torch.zeros(3)}), r"no Talkie config"),
        "missing.safetensors": (lambda p: save_checkpoint(str(p), {k: v for k, v in tensors.items() if k != first},
                                                          meta), r"missing"),
        "reshaped.safetensors": (lambda p: save_checkpoint(str(p), {**tensors, first: torch.zeros(3, 1)}, meta),
                                 r"shape mismatch"),
        "extra.safetensors": (lambda p: save_checkpoint(str(p), {**tensors, "bogus.weight": torch.zeros(1)}, meta),
                              r"unexpected"),
    }
    import re
    for name, (make, pattern) in cases.items():
        make(folder / name)
        kind, value = _load(robust_client, f"{sub}/{name}")
        message = clear_outcome_message(kind, value)
        assert kind == "failed", (name, kind, message)
        assert name in message, f"the error does not name {name}: {message}"
        assert re.search(pattern, message), (name, message)
    # the shipped model still loads and runs after all that
    kind, value = run_raw(robust_client, av_prompt(prefix="robustness/after-checkpoints"))
    assert kind == "ok", clear_outcome_message(kind, value)


def _save_plain(path, tensors):
    from safetensors.torch import save_file
    save_file(tensors, str(path))
