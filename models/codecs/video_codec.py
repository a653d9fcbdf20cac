"""Video autoencoder: compresses space (64x64x3 -> one vector) and time (`frames_per_latent`
consecutive frames share one latent), so each latent is one transformer token.

Large, simple objects on flat backgrounds fit in a few dozen numbers; keeping a token per
1-2 frames keeps motion, and with it contact times, inside every token."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class VideoCodecConfig:
    height: int = 64
    width: int = 64
    frames_per_latent: int = 2
    latent_dim: int = 48
    channels: tuple = (16, 32, 64, 128)

    def to_dict(self):
        return asdict(self)


def _block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.GroupNorm(8, cout), nn.SiLU(),
                         nn.Conv2d(cout, cout, 3, 1, 1), nn.GroupNorm(8, cout), nn.SiLU())


def _up(cin, cout):
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, 1, 1),
                         nn.GroupNorm(8, cout), nn.SiLU(), nn.Conv2d(cout, cout, 3, 1, 1), nn.GroupNorm(8, cout),
                         nn.SiLU())



class VideoCodec(nn.Module):
    def __init__(self, cfg: VideoCodecConfig):
        super().__init__()
        self.cfg = cfg
        f, ch = cfg.frames_per_latent, cfg.channels
        down = 2 ** len(ch)
        self.grid = (cfg.height // down, cfg.width // down)
        cin = 3 * f + 2  # stacked frames + CoordConv channels (position is what matters here)
        layers, c = [], cin
        for co in ch:
            layers.append(_block(c, co, 2))
            c = co
        self.enc = nn.Sequential(*layers)
        flat = ch[-1] * self.grid[0] * self.grid[1]
        self.to_latent = nn.Linear(flat, cfg.latent_dim)
        self.from_latent = nn.Linear(cfg.latent_dim, flat)
        ups, c = [], ch[-1]
        for co in reversed(ch[:-1]):
            ups.append(_up(c, co))
            c = co
        ups.append(_up(c, ch[0]))
        self.dec = nn.Sequential(*ups)
        self.dec_coords = nn.Conv2d(2, ch[0], 1)
        self.out = nn.Conv2d(ch[0], 3 * f, 3, 1, 1)

    def _coords(self, n, h, w, device, dtype):
        ys = torch.linspace(-1, 1, h, device=device, dtype=dtype)
        xs = torch.linspace(-1, 1, w, device=device, dtype=dtype)
        yy, xx = torch.meshgrid(ys, xs, indexing="ij")
        return torch.stack([yy, xx]).expand(n, 2, h, w)

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        """frames [B,T,H,W,3] in 0..1 (T a multiple of frames_per_latent) -> latents [B,T/f,D]."""
        B, T, H, W, _ = frames.shape
        f = self.cfg.frames_per_latent
        if T % f:
            raise ValueError(f"frame count {T} is not a multiple of frames_per_latent={f}")
        x = frames.reshape(B, T // f, f, H, W, 3).permute(0, 1, 2, 5, 3, 4).reshape(B * T // f, f * 3, H, W)
        x = x * 2 - 1
        x = torch.cat([x, self._coords(x.shape[0], H, W, x.device, x.dtype)], 1)
        z = self.to_latent(self.enc(x).flatten(1))
        return z.reshape(B, T // f, -1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """latents [B,L,D] -> frames [B,L*f,H,W,3] in 0..1."""
        B, L, D = z.shape
        f, H, W = self.cfg.frames_per_latent, self.cfg.height, self.cfg.width
        h = self.from_latent(z.reshape(B * L, D)).reshape(B * L, self.cfg.channels[-1], *self.grid)
        h = self.dec[:-1](h)
        h = self.dec[-1](h) + self.dec_coords(self._coords(B * L, H, W, z.device, z.dtype))
        x = torch.sigmoid(self.out(F.silu(h)))
        return x.reshape(B, L, f, 3, H, W).permute(0, 1, 2, 4, 5, 3).reshape(B, L * f, H, W, 3)
