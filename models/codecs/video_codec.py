"""Video autoencoder: compresses space (64x64x3 -> one vector) and time (`frames_per_latent`
consecutive frames share one latent), so each latent is one transformer token.

Large, simple objects on flat backgrounds fit in a few dozen numbers; keeping a token per
1-2 frames keeps motion, and with it contact times, inside every token.

With `temporal_mixing` the decoder also looks at neighbouring latents: after each of its
stages a residual convolution over time (kernel 3 latents, per pixel) mixes each latent's
features with its neighbours'. Decoded one latent at a time, a frame pair cannot agree with
the next on brightness or where a moving edge is, and the seam between latents flickers
(the glass tracker took such seams for the shatter). The layers start at zero, so a decoder
trained without them is exactly where it was, and the encoder, hence every latent, is
untouched: they are a decoder-only change (as in video diffusion models whose image decoder
is given temporal layers to stop flicker)."""
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
    temporal_mixing: bool = False

    def to_dict(self):
        return asdict(self)


def _block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.GroupNorm(8, cout), nn.SiLU(),
                         nn.Conv2d(cout, cout, 3, 1, 1), nn.GroupNorm(8, cout), nn.SiLU())


def _up(cin, cout):
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, 1, 1),
                         nn.GroupNorm(8, cout), nn.SiLU(), nn.Conv2d(cout, cout, 3, 1, 1), nn.GroupNorm(8, cout),
                         nn.SiLU())


class TemporalMix(nn.Module):
    """h + conv_t(h): each pixel's features mixed with the same pixel's in the latents before
    and after (replicated at the ends of the sequence). Zero-initialised: the identity."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv3d(channels, channels, (3, 1, 1))
        nn.init.zeros_(self.conv.weight)
        nn.init.zeros_(self.conv.bias)

    def forward(self, h: torch.Tensor, latents: int) -> torch.Tensor:
        BL, C, H, W = h.shape
        x = h.reshape(BL // latents, latents, C, H, W).transpose(1, 2)          # [B,C,L,H,W]
        x = self.conv(F.pad(x, (0, 0, 0, 0, 1, 1), mode="replicate"))
        return h + x.transpose(1, 2).reshape(BL, C, H, W)


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
        if cfg.temporal_mixing:  # one after the latent's projection and one after each up stage
            self.temporal = nn.ModuleList([TemporalMix(ch[-1])] + [TemporalMix(c) for c in reversed(ch[:-1])]
                                          + [TemporalMix(ch[0])])

    @property
    def temporal_reach(self) -> int:
        """How many latents on each side a decoded latent depends on (0: each on its own)."""
        return len(self.temporal) if self.cfg.temporal_mixing else 0

    def _coords(self, n, h, w, device, dtype):
        ys = torch.linspace(-1, 1, h, device=device, dtype=dtype)
        xs = torch.linspace(-1, 1, w, device=device, dtype=dtype)
        yy, xx = torch.meshgrid(ys, xs, indexing="ij")
        return torch.stack([yy, xx]).expand(n, 2, h, w)

    def _mix(self, stage: int, h: torch.Tensor, latents: int) -> torch.Tensor:
        return self.temporal[stage](h, latents) if self.cfg.temporal_mixing else h

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
        """latents [B,L,D] -> frames [B,L*f,H,W,3] in 0..1. With temporal mixing a latent's
        frames depend on its `temporal_reach` neighbours each side: decode a long sequence in
        overlapping pieces (`decode_in_pieces`), not cut apart."""
        B, L, D = z.shape
        f, H, W = self.cfg.frames_per_latent, self.cfg.height, self.cfg.width
        h = self.from_latent(z.reshape(B * L, D)).reshape(B * L, self.cfg.channels[-1], *self.grid)
        h = self._mix(0, h, L)
        for i, stage in enumerate(self.dec):
            h = stage(h)
            if i == len(self.dec) - 1:
                h = h + self.dec_coords(self._coords(B * L, H, W, z.device, z.dtype))
            h = self._mix(i + 1, h, L)
        x = torch.sigmoid(self.out(F.silu(h)))
        return x.reshape(B, L, f, 3, H, W).permute(0, 1, 2, 4, 5, 3).reshape(B, L * f, H, W, 3)

    def decode_in_pieces(self, z: torch.Tensor, piece: int) -> torch.Tensor:
        """`decode` of [B,L,D] `piece` latents at a time (bounded memory for long clips), each
        piece decoded with its `temporal_reach` neighbours on both sides and cut back, so the
        frames equal decoding the whole sequence at once."""
        reach, L = self.temporal_reach, z.shape[1]
        f = self.cfg.frames_per_latent
        out = []
        for i in range(0, L, piece):
            lo, hi = max(0, i - reach), min(L, i + piece + reach)
            frames = self.decode(z[:, lo:hi])
            out.append(frames[:, (i - lo) * f:(min(L, i + piece) - lo) * f])
        return torch.cat(out, 1)
