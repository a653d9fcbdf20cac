"""Audio reconstruction losses: spectra at several resolutions, plus a 1 ms energy
envelope term that punishes pre-echo, the thing that moves onsets early."""
from __future__ import annotations

import torch
import torch.nn.functional as F

_WINDOWS: dict = {}


def _window(n, device):
    key = (n, device)
    if key not in _WINDOWS:
        _WINDOWS[key] = torch.hann_window(n, device=device)
    return _WINDOWS[key]


def multires_stft_loss(y: torch.Tensor, x: torch.Tensor, sizes=(128, 256, 512, 1024)) -> torch.Tensor:
    total = 0.0
    for n in sizes:
        w = _window(n, y.device)
        sy = torch.stft(y, n, n // 4, window=w, return_complex=True).abs()
        sx = torch.stft(x, n, n // 4, window=w, return_complex=True).abs()
        total = total + (torch.log(sy + 1e-4) - torch.log(sx + 1e-4)).abs().mean()
        total = total + torch.linalg.norm(sy - sx) / (torch.linalg.norm(sx) + 1e-4)
    return total / len(sizes)


def log_envelope(x: torch.Tensor, sr: int, win_s: float = 0.002, hop_s: float = 0.001) -> torch.Tensor:
    win, hop = max(1, int(win_s * sr)), max(1, int(hop_s * sr))
    e = F.avg_pool1d(x.unsqueeze(1) ** 2, win, hop).squeeze(1)
    return torch.log(e + 1e-7)


def envelope_loss(y: torch.Tensor, x: torch.Tensor, sr: int) -> torch.Tensor:
    return 0.1 * (log_envelope(y, sr) - log_envelope(x, sr)).abs().mean()
