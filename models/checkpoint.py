"""Safetensors checkpoints with their configs in the metadata. Nothing else is loaded:
pickle-based formats are refused before a byte of them is parsed."""
from __future__ import annotations

import json
import os
import tempfile

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

META_KEY = "talkie"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, with the file named in the message."""


def save_checkpoint(path: str, tensors: dict[str, torch.Tensor], meta: dict) -> None:
    """Write atomically: a crash mid-write never leaves a truncated checkpoint behind."""
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".safetensors.tmp", dir=folder)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={META_KEY: json.dumps(meta)})
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_checkpoint(path: str) -> tuple[dict[str, torch.Tensor], dict]:
    """Return (tensors, meta). Raises CheckpointError naming the file and the problem."""
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {name!r} does not exist ({path})")
    if not path.endswith(".safetensors"):
        raise CheckpointError(f"checkpoint {name!r} refused: only .safetensors files are loaded "
                              "(pickle formats such as .ckpt/.pt/.bin can run code when opened)")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if len(head) < 8 or int.from_bytes(head, "little") > os.path.getsize(path) - 8:
        raise CheckpointError(f"checkpoint {name!r} is truncated or not a safetensors file")
    try:
        tensors = load_file(path)
        with safe_open(path, "pt") as fh:
            meta_raw = (fh.metadata() or {}).get(META_KEY)
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"checkpoint {name!r} could not be read: {e}") from None
    if meta_raw is None:
        raise CheckpointError(f"checkpoint {name!r} has no Talkie config in its metadata "
                              "(was it saved by Talkie's training scripts?)")
    try:
        meta = json.loads(meta_raw)
    except json.JSONDecodeError as e:
        raise CheckpointError(f"checkpoint {name!r} has unreadable metadata: {e}") from None
    return tensors, meta


def load_into(module: torch.nn.Module, tensors: dict[str, torch.Tensor], prefix: str, source: str) -> None:
    """Load `prefix`-ed tensors into `module`, reporting missing/unexpected/mis-shaped keys."""
    own = module.state_dict()
    sub = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    missing = sorted(set(own) - set(sub))
    unexpected = sorted(set(sub) - set(own))
    shapes = [f"{k}: file {tuple(sub[k].shape)} vs model {tuple(own[k].shape)}"
              for k in sorted(set(sub) & set(own)) if sub[k].shape != own[k].shape]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} tensors (e.g. {prefix}{missing[0]})")
        if unexpected:
            parts.append(f"unexpected {len(unexpected)} tensors (e.g. {prefix}{unexpected[0]})")
        if shapes:
            parts.append("shape mismatch " + "; ".join(shapes[:3]))
        raise CheckpointError(f"checkpoint {source!r} does not match the model: " + ", ".join(parts))
    module.load_state_dict(sub)
