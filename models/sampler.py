"""Flow-matching sampler for the joint model.

x_t = (1 - t) x_0 + t * noise; the model predicts x_0 and the velocity is
(x_t - x_0) / t. Steps follow a shifted schedule (more steps at high noise, where the
layout and timing of events are decided). Guidance is per modality, plus a *sync* term:
an extra pass with audio<->video attention switched off gives an "unsynced" prediction,
and the output is pushed away from it (as LTX-2's modality guidance does). Noise masks
hold any tokens fixed (clean, t = 0): a whole stream (video->audio, audio->video), the
first frames (image->AV) or an overlap window (extension)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from .joint_model import JointModel
from .precision import uses_bf16
from .text_encoder import TextEmbedding


@dataclass
class Guidance:
    video: float = 1.0           # classifier-free guidance scale for the picture
    audio: float = 1.0           # ... and for the sound
    sync: float = 0.0            # push away from the no-cross-attention prediction
    interval: tuple = (0.0, 1.0)  # apply guidance only for noise levels in this range
    # How much of the classifier-free push that points along the conditional prediction
    # itself is kept, per token (1 = plain CFG; 0 = only the part orthogonal to it, as in
    # adaptive projected guidance, Sadat et al. 2024). The parallel part mostly rescales a
    # token's latent, which is what drives a high guidance scale off the decoder.
    parallel: float = 1.0
    # Blend toward the guided prediction rescaled to the conditional one's spread (per clip
    # and stream; Lin et al. 2023, used by LTX-2 at 0.7). 0 = off.
    rescale: float = 0.0


@dataclass
class Conditioning:
    video: TextEmbedding          # context the video stream reads
    audio: TextEmbedding          # context the audio stream reads (audio prompt, or the prompt)
    video_neg: TextEmbedding
    audio_neg: TextEmbedding


def schedule(steps: int, shift: float = 3.0, denoise: float = 1.0) -> torch.Tensor:
    """Noise levels down to 0 (steps + 1 values), shifted toward high noise. With
    denoise < 1 these are the last `steps` steps of a longer schedule (as ComfyUI does)."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if not 0.0 < denoise <= 1.0:
        raise ValueError(f"denoise must be in (0, 1], got {denoise}")
    total = max(steps, int(round(steps / denoise)))
    t = torch.linspace(1.0, 0.0, total + 1, dtype=torch.float64)
    t = shift * t / (1 + (shift - 1) * t)
    return t[-(steps + 1):]


def guidance_direction(cond: torch.Tensor, uncond: torch.Tensor, parallel: float = 1.0) -> torch.Tensor:
    """cond - uncond, with its component along `cond` (per token, over the last dim)
    scaled by `parallel`."""
    diff = cond - uncond
    if parallel == 1.0:
        return diff
    unit = torch.nn.functional.normalize(cond, dim=-1)
    along = (diff * unit).sum(-1, keepdim=True) * unit
    return diff - (1.0 - parallel) * along


def rescale_to(guided: torch.Tensor, cond: torch.Tensor, amount: float) -> torch.Tensor:
    """Moves `guided` by `amount` toward itself scaled to `cond`'s standard deviation
    (per batch item, over tokens and channels): guidance's gain without its growth."""
    if amount == 0.0:
        return guided
    dims = tuple(range(1, guided.dim()))
    scaled = guided * (cond.std(dim=dims, keepdim=True) / guided.std(dim=dims, keepdim=True).clamp_min(1e-6))
    return amount * scaled + (1.0 - amount) * guided


class Interrupted(Exception):
    pass


@torch.no_grad()
def sample(model: JointModel, noise_v: torch.Tensor, noise_a: torch.Tensor, times_v: torch.Tensor,
           times_a: torch.Tensor, cond: Conditioning, steps: int = 16, method: str = "heun", shift: float = 3.0,
           guidance: Guidance | None = None, denoise: float = 1.0, init_v: torch.Tensor | None = None,
           init_a: torch.Tensor | None = None, keep_v: torch.Tensor | None = None, keep_a: torch.Tensor | None = None,
           callback: Callable | None = None, autocast: bool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Returns clean latents (video [B,Lv,Dv], audio [B,La,Da]).

    keep_* [B, L] bool: tokens taken from init_* and held fixed. denoise < 1 starts from
    init_* noised to that level (image/video-to-video style). `callback(i, steps, x0_v,
    x0_a)` is called after every step; it may raise to cancel."""
    g = guidance or Guidance()
    B, Lv, _ = noise_v.shape
    La = noise_a.shape[1]
    dev = noise_v.device
    autocast = uses_bf16(autocast, dev)
    keep_v = keep_v if keep_v is not None else torch.zeros(B, Lv, dtype=torch.bool, device=dev)
    keep_a = keep_a if keep_a is not None else torch.zeros(B, La, dtype=torch.bool, device=dev)
    if (keep_v.any() or denoise < 1.0) and init_v is None:
        raise ValueError("init_v is required when video tokens are kept or denoise < 1")
    if (keep_a.any() or denoise < 1.0) and init_a is None:
        raise ValueError("init_a is required when audio tokens are kept or denoise < 1")
    ts = schedule(steps, shift, denoise)
    t0 = float(ts[0])
    xv = noise_v * t0 + (1 - t0) * init_v if init_v is not None else noise_v.clone()
    xa = noise_a * t0 + (1 - t0) * init_a if init_a is not None else noise_a.clone()
    if init_v is not None:
        xv = torch.where(keep_v[..., None], init_v, xv)
    if init_a is not None:
        xa = torch.where(keep_a[..., None], init_a, xa)

    def predict(xv, xa, t):
        guided = g.interval[0] <= t <= g.interval[1]
        use_cfg = guided and (g.video != 1.0 or g.audio != 1.0)
        use_sync = guided and g.sync != 0.0
        n = 1 + use_cfg + use_sync
        rep = lambda x: x.repeat(n, *([1] * (x.dim() - 1)))  # noqa: E731
        ctx_v, ctx_a = [cond.video], [cond.audio]
        cross = [torch.ones(B, dtype=torch.bool, device=dev)]
        if use_cfg:
            ctx_v.append(cond.video_neg)
            ctx_a.append(cond.audio_neg)
            cross.append(torch.ones(B, dtype=torch.bool, device=dev))
        if use_sync:
            ctx_v.append(cond.video)
            ctx_a.append(cond.audio)
            cross.append(torch.zeros(B, dtype=torch.bool, device=dev))
        tt = torch.full((B * n,), t, device=dev)
        with torch.autocast(dev.type if dev.type != "mps" else "cpu", dtype=torch.bfloat16, enabled=autocast):
            pv, pa = model(rep(xv), rep(xa), tt, tt, rep(times_v), rep(times_a), TextEmbedding.cat(ctx_v),
                           TextEmbedding.cat(ctx_a), rep(keep_v), rep(keep_a), torch.cat(cross))
        pv, pa = pv.float().chunk(n), pa.float().chunk(n)
        x0v, x0a = pv[0], pa[0]
        if use_cfg:
            x0v = rescale_to(x0v + (g.video - 1) * guidance_direction(pv[0], pv[1], g.parallel), pv[0], g.rescale)
            x0a = rescale_to(x0a + (g.audio - 1) * guidance_direction(pa[0], pa[1], g.parallel), pa[0], g.rescale)
        if use_sync:
            x0v = x0v + g.sync * (pv[0] - pv[-1])
            x0a = x0a + g.sync * (pa[0] - pa[-1])
        x0v = torch.where(keep_v[..., None], init_v, x0v) if init_v is not None else x0v
        x0a = torch.where(keep_a[..., None], init_a, x0a) if init_a is not None else x0a
        return x0v, x0a

    def velocity(x, x0, t):
        return (x - x0) / max(t, 1e-6)

    for i in range(len(ts) - 1):
        t, tn = float(ts[i]), float(ts[i + 1])
        x0v, x0a = predict(xv, xa, t)
        dv, da = velocity(xv, x0v, t), velocity(xa, x0a, t)
        if method == "heun" and tn > 0:
            xv2, xa2 = xv + (tn - t) * dv, xa + (tn - t) * da
            x0v2, x0a2 = predict(xv2, xa2, tn)
            dv = 0.5 * (dv + velocity(xv2, x0v2, tn))
            da = 0.5 * (da + velocity(xa2, x0a2, tn))
        elif method not in ("euler", "heun"):
            raise ValueError(f"unknown sampler {method!r}; use 'euler' or 'heun'")
        xv, xa = xv + (tn - t) * dv, xa + (tn - t) * da
        if init_v is not None:
            xv = torch.where(keep_v[..., None], init_v, xv)
        if init_a is not None:
            xa = torch.where(keep_a[..., None], init_a, xa)
        if callback is not None:
            callback(i + 1, len(ts) - 1, x0v, x0a)
    return xv, xa
