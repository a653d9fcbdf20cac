"""Checks and conversions for IMAGE / AUDIO / TALKIE_STEMS values arriving at Talkie nodes."""
from __future__ import annotations

import torch

from ..models.config import STEMS


def check_frames(images, name: str = "images") -> torch.Tensor:
    if not torch.is_tensor(images) or images.dim() != 4 or images.shape[-1] not in (3, 4) or images.shape[0] < 1:
        raise ValueError(f"{name} must be an IMAGE tensor [frames, height, width, 3], got "
                         f"{tuple(images.shape) if torch.is_tensor(images) else type(images).__name__}")
    if images.shape[1] < 2 or images.shape[2] < 2:
        raise ValueError(f"{name} are too small ({images.shape[2]}x{images.shape[1]})")
    if not torch.isfinite(images).all():
        raise ValueError(f"{name} contain NaN or infinite values")
    return images[..., :3].float().clamp(0, 1).cpu()


def check_audio(audio, name: str = "audio") -> tuple[torch.Tensor, int]:
    """AUDIO -> (waveform [C, N] of the first batch item, sample_rate)."""
    if not isinstance(audio, dict) or "waveform" not in audio or "sample_rate" not in audio:
        raise ValueError(f"{name} must be an AUDIO value ({{'waveform': [B, C, T], 'sample_rate': int}})")
    wave = audio["waveform"]
    try:
        sr = int(audio["sample_rate"])
    except (TypeError, ValueError):
        raise ValueError(f"{name} sample_rate must be an integer, got {audio['sample_rate']!r}") from None
    if not torch.is_tensor(wave) or wave.dim() != 3 or min(wave.shape) < 1:
        raise ValueError(f"{name} waveform must be a tensor [B, C, T], got "
                         f"{tuple(wave.shape) if torch.is_tensor(wave) else type(wave).__name__}")
    if not 8000 <= sr <= 192000:
        raise ValueError(f"{name} sample_rate must be between 8000 and 192000 Hz, got {sr}")
    if not torch.isfinite(wave).all():
        raise ValueError(f"{name} contains NaN or infinite samples")
    return wave[0].float().cpu(), sr


def check_stems(stems, name: str = "stems") -> tuple[torch.Tensor, int]:
    """TALKIE_STEMS -> (waveforms [B, S, N], sample_rate)."""
    if not isinstance(stems, dict) or "waveforms" not in stems or list(stems.get("names", [])) != list(STEMS):
        raise ValueError(f"{name} must come from Talkie AV Decode (stems {', '.join(STEMS)})")
    w = stems["waveforms"]
    if not torch.is_tensor(w) or w.dim() != 3 or w.shape[1] != len(STEMS):
        raise ValueError(f"{name} waveforms must be [B, {len(STEMS)}, N]")
    return w.float(), int(stems["sample_rate"])
