"""The joint audio-video transformer.

Dual-stream blocks (MM-DiT style): video tokens and audio tokens keep their own weights
(projections, MLPs, adaLN), but attend jointly in every block, so each instant of the
picture can look at each instant of the sound and vice versa. Both modalities carry their
position as *time in seconds* through rotary embeddings, so a video token and an audio
token of the same instant share phase whatever the fps or the audio rate. Each modality
has its own timestep (adaLN), and each token can be marked clean (held fixed at t=0):
that is what video->audio, audio->video, image->AV and extension build on. Text enters
by cross-attention (per-token states) and through adaLN (the sentence embedding).

The model predicts the clean latent; the sampler turns it into a flow velocity."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class JointConfig:
    video_dim: int = 48
    audio_dim: int = 32
    text_dim: int = 384                  # MiniLM state (and the sentence embedding)
    text_colour_features: int = 0        # colour-name features after each token's state (0: none read)
    width: int = 192
    depth: int = 6
    heads: int = 4
    mlp_ratio: float = 4.0
    rope_min_wavelength: float = 0.016   # seconds: resolves a few ms of offset
    rope_max_wavelength: float = 240.0   # seconds: far beyond any clip, so no wrap-around

    def to_dict(self):
        return asdict(self)

    @property
    def text_token_dim(self) -> int:
        return self.text_dim + self.text_colour_features


def rope_angles(times: torch.Tensor, head_dim: int, cfg: JointConfig) -> torch.Tensor:
    """times [B, L] seconds -> angles [B, L, head_dim/2]; geometric wavelengths."""
    n = head_dim // 2
    wl = torch.exp(torch.linspace(math.log(cfg.rope_min_wavelength), math.log(cfg.rope_max_wavelength), n,
                                  device=times.device, dtype=torch.float64))
    return (times.double()[..., None] * (2 * math.pi / wl)).float()


def apply_rope(x: torch.Tensor, ang: torch.Tensor) -> torch.Tensor:
    """x [B, H, L, D]; ang [B, L, D/2]."""
    cos, sin = ang.cos()[:, None].to(x.dtype), ang.sin()[:, None].to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1).flatten(-2)


def local_blocks(times: torch.Tensor, block_seconds: float) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Block-local attention for clips longer than the model was trained on: the tokens
    (both modalities, by time) are cut into blocks of `block_seconds`, and each block's
    queries see their own block and the one on either side. With blocks of half the
    trained window, no query-key distance exceeds the trained window (RoPE never sees an
    untrained offset), every token sees at least one block of context on each side, and
    the cost grows linearly with length. times [B, L] (rows alike: one grid per batch)
    -> [(query indices, key indices)] per non-empty block."""
    t = times[0]
    blk = torch.floor((t - t.min()) / block_seconds).long()
    out = []
    for b in range(int(blk.max()) + 1):
        q = (blk == b).nonzero().squeeze(1)
        if q.numel():
            out.append((q, ((blk - b).abs() <= 1).nonzero().squeeze(1)))
    return out


def attend(q, k, v, mask, blocks):
    """Scaled dot-product attention, full (`blocks` None) or block-local (see local_blocks)."""
    if blocks is None:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    out = torch.empty_like(q)
    for qi, ki in blocks:
        m = None if mask is None else mask[:, :, qi][:, :, :, ki]
        out[:, :, qi] = F.scaled_dot_product_attention(q[:, :, qi], k[:, :, ki], v[:, :, ki], attn_mask=m)
    return out


class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return F.rms_norm(x, (x.shape[-1],), self.weight.to(x.dtype), 1e-6)


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[..., None] * 1000.0 * freqs
    return torch.cat([args.cos(), args.sin()], -1)


def per_token(both: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
    """adaLN parameters are computed once per sample for the two states a token can be in
    ([B, 2, K]: noisy, held clean) and picked per token ([B, L, K]), so per-token
    conditioning costs no per-token matmul."""
    return torch.where(clean[..., None], both[:, 1:2], both[:, 0:1])


class StreamWeights(nn.Module):
    """One modality's half of a dual-stream block."""

    def __init__(self, w, heads, mlp_ratio, text_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(w, elementwise_affine=False, eps=1e-6)
        self.qkv = nn.Linear(w, 3 * w)
        self.q_norm, self.k_norm = RMSNorm(w // heads), RMSNorm(w // heads)
        self.proj = nn.Linear(w, w)
        self.norm_x = nn.LayerNorm(w, eps=1e-6)
        self.xq = nn.Linear(w, w)
        self.xkv = nn.Linear(text_dim, 2 * w)
        self.xk_norm = RMSNorm(w // heads)
        self.xproj = nn.Linear(w, w)
        self.norm2 = nn.LayerNorm(w, elementwise_affine=False, eps=1e-6)
        hidden = int(w * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(w, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, w))
        self.ada = nn.Linear(w, 6 * w)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)
        nn.init.zeros_(self.xproj.weight)
        nn.init.zeros_(self.xproj.bias)


class JointBlock(nn.Module):
    def __init__(self, cfg: JointConfig):
        super().__init__()
        self.heads = cfg.heads
        self.v = StreamWeights(cfg.width, cfg.heads, cfg.mlp_ratio, cfg.text_token_dim)
        self.a = StreamWeights(cfg.width, cfg.heads, cfg.mlp_ratio, cfg.text_token_dim)

    def _qkv(self, s: StreamWeights, x, mod, ang):
        B, L, W = x.shape
        h = s.norm1(x) * (1 + mod[1]) + mod[0]
        q, k, v = s.qkv(h).view(B, L, 3, self.heads, W // self.heads).permute(2, 0, 3, 1, 4)
        q, k = s.q_norm(q), s.k_norm(k)
        return apply_rope(q, ang), apply_rope(k, ang), v

    def _cross_text(self, s: StreamWeights, x, text_tokens, text_bias):
        B, L, W = x.shape
        hd = W // self.heads
        q = s.xq(s.norm_x(x)).view(B, L, self.heads, hd).transpose(1, 2)
        k, v = s.xkv(text_tokens).view(B, -1, 2, self.heads, hd).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(s.q_norm(q), s.xk_norm(k), v, attn_mask=text_bias)
        return s.xproj(a.transpose(1, 2).reshape(B, L, W))

    def forward(self, xv, xa, cv, ca, clean_v, clean_a, ang_v, ang_a, joint_mask, text_v, text_a, blocks=None):
        mv = per_token(self.v.ada(F.silu(cv)), clean_v).chunk(6, -1)
        ma = per_token(self.a.ada(F.silu(ca)), clean_a).chunk(6, -1)
        qv, kv_, vv = self._qkv(self.v, xv, mv, ang_v)
        qa, ka, va = self._qkv(self.a, xa, ma, ang_a)
        q, k, v = torch.cat([qv, qa], 2), torch.cat([kv_, ka], 2), torch.cat([vv, va], 2)
        att = attend(q, k, v, joint_mask, blocks)
        B, _, L, hd = att.shape
        att = att.transpose(1, 2).reshape(B, L, -1)
        Lv = xv.shape[1]
        xv = xv + mv[2] * self.v.proj(att[:, :Lv])
        xa = xa + ma[2] * self.a.proj(att[:, Lv:])
        xv = xv + self._cross_text(self.v, xv, *text_v)
        xa = xa + self._cross_text(self.a, xa, *text_a)
        xv = xv + mv[5] * self.v.mlp(self.v.norm2(xv) * (1 + mv[4]) + mv[3])
        xa = xa + ma[5] * self.a.mlp(self.a.norm2(xa) * (1 + ma[4]) + ma[3])
        return xv, xa


class Conditioner(nn.Module):
    """Per-token adaLN vector for one modality: its own timestep (0 where a token is held
    clean), the other modality's timestep, and the sentence embedding."""

    def __init__(self, w, text_dim):
        super().__init__()
        self.t_self = nn.Sequential(nn.Linear(w, w), nn.SiLU(), nn.Linear(w, w))
        self.t_other = nn.Sequential(nn.Linear(w, w), nn.SiLU(), nn.Linear(w, w))
        self.text = nn.Linear(text_dim, w)
        self.w = w

    def forward(self, t_self, t_other, pooled):
        """-> [B, 2, W]: the conditioning of a noisy token and of a held-clean token."""
        base = self.t_other(timestep_embedding(t_other, self.w)) + self.text(pooled)
        both = torch.stack([t_self, torch.zeros_like(t_self)], 1)
        return self.t_self(timestep_embedding(both, self.w)) + base[:, None]


class JointModel(nn.Module):
    def __init__(self, cfg: JointConfig):
        super().__init__()
        self.cfg = cfg
        # seconds the model was trained to see at once; longer clips attend block-locally.
        # Set by whoever knows the training clip length (TalkieModel); None = always full.
        self.trained_window: float | None = None
        w = cfg.width
        self.v_in, self.a_in = nn.Linear(cfg.video_dim, w), nn.Linear(cfg.audio_dim, w)
        self.v_cond, self.a_cond = Conditioner(w, cfg.text_dim), Conditioner(w, cfg.text_dim)
        self.blocks = nn.ModuleList(JointBlock(cfg) for _ in range(cfg.depth))
        self.v_out_norm = nn.LayerNorm(w, elementwise_affine=False, eps=1e-6)
        self.a_out_norm = nn.LayerNorm(w, elementwise_affine=False, eps=1e-6)
        self.v_out_ada, self.a_out_ada = nn.Linear(w, 2 * w), nn.Linear(w, 2 * w)
        self.v_out, self.a_out = nn.Linear(w, cfg.video_dim), nn.Linear(w, cfg.audio_dim)
        for m in (self.v_out_ada, self.a_out_ada, self.v_out, self.a_out):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    @torch.no_grad()
    def add_text_colour_features(self, n: int) -> None:
        """Start reading `n` colour-name features per text token (a model trained without
        them): the cross-attention key/value projections grow by `n` zero input columns, so
        the model's output is unchanged until training teaches it to use them."""
        if self.cfg.text_colour_features:
            raise ValueError("this model already reads colour-name features")
        for blk in self.blocks:
            for s in (blk.v, blk.a):
                old = s.xkv
                s.xkv = nn.Linear(old.in_features + n, old.out_features).to(old.weight.device, old.weight.dtype)
                s.xkv.weight.zero_()
                s.xkv.weight[:, :old.in_features] = old.weight
                s.xkv.bias.copy_(old.bias)
        self.cfg.text_colour_features = n

    @staticmethod
    def joint_mask(B, Lv, La, cross_modal: torch.Tensor | None, device):
        """Attention mask for the joint attention; where `cross_modal` is False for a sample,
        video attends only to video and audio only to audio (the "unsynced" pass)."""
        if cross_modal is None or bool(cross_modal.all()):
            return None
        mod = torch.cat([torch.zeros(Lv, dtype=torch.bool, device=device), torch.ones(La, dtype=torch.bool, device=device)])
        same = mod[:, None] == mod[None, :]
        return (same[None] | cross_modal[:, None, None])[:, None]

    @staticmethod
    def text_bias(mask: torch.Tensor, dtype):
        return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(~mask, -math.inf)[:, None, None, :]

    def forward(self, xv, xa, tv, ta, times_v, times_a, text_v, text_a, clean_v=None, clean_a=None,
                cross_modal=None):
        """xv [B,Lv,Dv], xa [B,La,Da] noisy latents; tv, ta [B] noise levels in [0,1];
        times_* [B,L] token centres in seconds; text_* TextEmbedding; clean_* [B,L] bool
        marks tokens held fixed; cross_modal [B] bool (False = no audio<->video attention).
        Returns the predicted clean latents (x0_v, x0_a)."""
        B, Lv, _ = xv.shape
        La = xa.shape[1]
        clean_v = clean_v if clean_v is not None else torch.zeros(B, Lv, dtype=torch.bool, device=xv.device)
        clean_a = clean_a if clean_a is not None else torch.zeros(B, La, dtype=torch.bool, device=xa.device)
        hv, ha = self.v_in(xv), self.a_in(xa)
        cv = self.v_cond(tv, ta, text_v.pooled)
        ca = self.a_cond(ta, tv, text_a.pooled)
        hd = self.cfg.width // self.cfg.heads
        ang_v, ang_a = rope_angles(times_v, hd, self.cfg), rope_angles(times_a, hd, self.cfg)
        jm = self.joint_mask(B, Lv, La, cross_modal, xv.device)
        d = self.cfg.text_token_dim  # earlier models read the MiniLM state only
        tv_ctx = (text_v.tokens[..., :d].to(hv.dtype), self.text_bias(text_v.mask, hv.dtype))
        ta_ctx = (text_a.tokens[..., :d].to(ha.dtype), self.text_bias(text_a.mask, ha.dtype))
        blocks = None
        if self.trained_window:
            times = torch.cat([times_v, times_a], 1)
            if float(times[0].max() - times[0].min()) > self.trained_window + 1e-6:
                blocks = local_blocks(times, self.trained_window / 2)
        for blk in self.blocks:
            hv, ha = blk(hv, ha, cv, ca, clean_v, clean_a, ang_v, ang_a, jm, tv_ctx, ta_ctx, blocks)
        sv, bv = per_token(self.v_out_ada(F.silu(cv)), clean_v).chunk(2, -1)
        sa, ba = per_token(self.a_out_ada(F.silu(ca)), clean_a).chunk(2, -1)
        x0v = self.v_out(self.v_out_norm(hv) * (1 + sv) + bv)
        x0a = self.a_out(self.a_out_norm(ha) * (1 + sa) + ba)
        return x0v, x0a
