"""Checks and conversions for IMAGE / AUDIO / TALKIE_STEMS values arriving at Talkie nodes."""
from __future__ import annotations

import math
import numbers

import torch

from ..models.config import STEMS


def check_frames(images, name: str = "images", min_side: int = 2, max_side: int | None = None,
                 max_pixels: int | None = None) -> torch.Tensor:
    """IMAGE -> float [T, H, W, 3] on the CPU, or a ValueError saying what is wrong."""
    if not torch.is_tensor(images) or images.dim() != 4 or images.shape[-1] not in (3, 4):
        raise ValueError(f"{name} must be an IMAGE tensor [frames, height, width, 3], got "
                         f"{tuple(images.shape) if torch.is_tensor(images) else type(images).__name__}")
    T, H, W = images.shape[:3]
    if T < 1 or H < 1 or W < 1:
        raise ValueError(f"{name} are empty: shape {tuple(images.shape)}")
    if H < min_side or W < min_side:
        raise ValueError(f"{name} are too small ({W}x{H})")
    if max_side is not None and (H > max_side or W > max_side):
        raise ValueError(f"{name} must be between {min_side} and {max_side} pixels on each side, got {W}x{H}")
    if max_pixels is not None and T * H * W > max_pixels:
        raise ValueError(f"{T} frames of {W}x{H} is more than the {max_pixels / 1e6:.0f} M pixel limit")
    # min/max instead of isfinite(...).all() and an unconditional clamp: a minute of
    # 256x256 frames is 1.2 GB, and in-range frames (the usual case) must not be copied
    images = images[..., :3].float().cpu()
    lo, hi = (float(v) for v in images.aminmax())  # NaN anywhere makes both NaN
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{name} contain NaN or infinite values")
    return images if 0.0 <= lo and hi <= 1.0 else images.clamp(0, 1)


def check_audio(audio, name: str = "audio", rates: tuple[int, int] = (8000, 192000)) -> tuple[torch.Tensor, int]:
    """AUDIO -> (waveform [C, N] of the first batch item, sample_rate)."""
    if not isinstance(audio, dict) or "waveform" not in audio or "sample_rate" not in audio:
        raise ValueError(f"{name} must be an AUDIO value ({{'waveform': [B, C, N], 'sample_rate': int}})")
    wave, sr = audio["waveform"], audio["sample_rate"]
    if not torch.is_tensor(wave) or wave.dim() != 3 or min(wave.shape) < 1:
        raise ValueError(f"{name} waveform must be a non-empty tensor [B, C, N], got "
                         f"{tuple(wave.shape) if torch.is_tensor(wave) else type(wave).__name__}")
    lo, hi = rates
    if isinstance(sr, bool) or not isinstance(sr, numbers.Real) or not math.isfinite(sr) or sr != int(sr) \
            or not lo <= int(sr) <= hi:
        raise ValueError(f"{name} sample_rate must be a whole number between {lo} and {hi} Hz, got {sr!r}")
    wave = wave[0].float().cpu()
    if not torch.isfinite(wave).all():
        raise ValueError(f"{name} contains NaN or infinite samples")
    return wave, int(sr)


def check_stems(stems, name: str = "stems") -> tuple[torch.Tensor, int]:
    """TALKIE_STEMS -> (waveforms [B, S, N], sample_rate)."""
    if not isinstance(stems, dict) or "waveforms" not in stems or list(stems.get("names", [])) != list(STEMS):
        raise ValueError(f"{name} must come from Talkie AV Decode (stems {', '.join(STEMS)})")
    w = stems["waveforms"]
    if not torch.is_tensor(w) or w.dim() != 3 or w.shape[1] != len(STEMS):
        raise ValueError(f"{name} waveforms must be [B, {len(STEMS)}, N]")
    return w.float(), int(stems["sample_rate"])
