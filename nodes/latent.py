"""Talkie's LATENT: `samples` is a NestedTensor of (video [B, Dv, Lv], audio [B, Da, La])
channels-first, as core's AV latents are; `noise_mask` (optional) is a NestedTensor of
per-token masks [B, 1, L] where 1 = generate and 0 = keep. The clip's timing (seconds,
fps, output size) travels in `talkie`, so every node downstream agrees on lengths."""
from __future__ import annotations

import torch
from comfy.nested_tensor import NestedTensor

from ..models.config import AVConfig

LATENT_TYPE = "talkie_av"


def make_latent(video: torch.Tensor, audio: torch.Tensor, cfg: AVConfig, size: tuple[int, int],
                keep_v: torch.Tensor | None = None, keep_a: torch.Tensor | None = None) -> dict:
    """video [B, Lv, Dv], audio [B, La, Da] (token-major, as the model uses them)."""
    out = {"samples": NestedTensor([video.transpose(1, 2).contiguous(), audio.transpose(1, 2).contiguous()]),
           "type": LATENT_TYPE,
           "talkie": {"av": cfg.to_dict(), "width": int(size[0]), "height": int(size[1])}}
    if keep_v is not None or keep_a is not None:
        B, Lv, La = video.shape[0], video.shape[1], audio.shape[1]
        kv = keep_v if keep_v is not None else torch.zeros(B, Lv, dtype=torch.bool)
        ka = keep_a if keep_a is not None else torch.zeros(B, La, dtype=torch.bool)
        out["noise_mask"] = NestedTensor([(~kv).float()[:, None], (~ka).float()[:, None]])
    return out


def read_latent(latent: dict):
    """-> (video [B,Lv,Dv], audio [B,La,Da], cfg, (width, height), keep_v, keep_a)."""
    if not isinstance(latent, dict) or latent.get("type") != LATENT_TYPE or "talkie" not in latent:
        raise ValueError("this LATENT is not a Talkie audio-video latent; make it with 'Talkie Empty AV Latent' "
                         "or 'Talkie AV Encode'")
    samples = latent.get("samples")
    if not getattr(samples, "is_nested", False) or len(samples.tensors) != 2:
        raise ValueError("a Talkie latent's samples must be a NestedTensor of (video, audio)")
    if any(t.dim() != 3 or t.shape[0] < 1 or t.shape[0] != samples.tensors[0].shape[0] for t in samples.tensors):
        raise ValueError(f"a Talkie latent holds video and audio tensors [batch, channels, tokens], got shapes "
                         f"{[tuple(t.shape) for t in samples.tensors]}")
    video, audio = (t.transpose(1, 2).float() for t in samples.tensors)
    if not (torch.isfinite(video).all() and torch.isfinite(audio).all()):
        raise ValueError("the Talkie latent contains NaN or infinite values")
    info = latent["talkie"]
    try:
        cfg = AVConfig.from_dict(info["av"])
        size = (int(info["width"]), int(info["height"]))
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"the Talkie latent's timing information is damaged ({e}); make it again with "
                         "'Talkie Empty AV Latent'") from None
    B = video.shape[0]
    keep_v = torch.zeros(B, video.shape[1], dtype=torch.bool)
    keep_a = torch.zeros(B, audio.shape[1], dtype=torch.bool)
    mask = latent.get("noise_mask")
    if mask is not None:
        if not getattr(mask, "is_nested", False) or len(mask.tensors) != 2:
            raise ValueError("a Talkie latent's noise_mask must hold one video and one audio mask; a core mask node "
                             "(e.g. Set Latent Noise Mask) cannot mask a Talkie latent")
        mv, ma = mask.tensors
        if mv.numel() != B * video.shape[1] or ma.numel() != B * audio.shape[1]:
            raise ValueError(f"the Talkie latent's noise_mask sizes ({mv.numel()}, {ma.numel()}) do not match its "
                             f"token counts ({B * video.shape[1]}, {B * audio.shape[1]})")
        keep_v = mv.reshape(B, -1) < 0.5
        keep_a = ma.reshape(B, -1) < 0.5
    if video.shape[1] != cfg.num_video_tokens or audio.shape[1] != cfg.num_audio_tokens:
        raise ValueError(f"latent lengths ({video.shape[1]} video, {audio.shape[1]} audio tokens) do not match its "
                         f"timing ({cfg.seconds} s at {cfg.fps} fps)")
    return video, audio, cfg, size, keep_v, keep_a


def check_latent_fits(model, video: torch.Tensor, audio: torch.Tensor) -> None:
    """A latent made by another model (other channel counts) gives a clear error, not a shape crash."""
    dv, da = model.joint.cfg.video_dim, model.joint.cfg.audio_dim
    if video.shape[-1] != dv or audio.shape[-1] != da:
        raise ValueError(f"this latent has {video.shape[-1]} video and {audio.shape[-1]} audio channels but the model "
                         f"uses {dv} and {da}: it was made for another model")
