"""Conditioning the joint model on given media: image->AV, video->audio, audio->video and
extension all become "hold these tokens fixed" (the sampler's keep masks).

Given frames are resized to the codec's size; given audio is resampled to the model's
rate and placed in one stem (the model has no source separator), so the user says which
stem it is: speech into `voice` makes the face mouth it, impacts into `effects` make
objects hit on them."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .av_model import TalkieModel
from .config import STEMS, AVConfig

HOLD_MODES = ("regenerate", "keep all", "keep first frame", "keep first seconds")


@dataclass
class EncodedMedia:
    video: torch.Tensor    # [B, Lv, Dv] normalised latents (zeros where nothing was given)
    audio: torch.Tensor    # [B, La, Da]
    keep_v: torch.Tensor   # [B, Lv] bool
    keep_a: torch.Tensor   # [B, La] bool


def fit_frames(frames: torch.Tensor, n: int) -> torch.Tensor:
    """[T,H,W,3] -> exactly n frames: trimmed, or padded by repeating the last frame."""
    if frames.shape[0] >= n:
        return frames[:n]
    return torch.cat([frames, frames[-1:].expand(n - frames.shape[0], *frames.shape[1:])])


def stems_from_audio(audio: torch.Tensor, sample_rate: int, cfg: AVConfig, stem: str) -> torch.Tensor:
    """AUDIO waveform [C, N] at any rate -> [S, num_samples] with the (mono) sound in `stem`."""
    from .media import resample_audio

    if stem not in STEMS:
        raise ValueError(f"stem must be one of {STEMS}, got {stem!r}")
    mono = audio.float().mean(0)
    if sample_rate != cfg.sample_rate:
        mono = resample_audio(mono, sample_rate, cfg.sample_rate)
    mono = torch.nn.functional.pad(mono, (0, max(0, cfg.num_samples - mono.shape[0])))[:cfg.num_samples]
    out = torch.zeros(len(STEMS), cfg.num_samples)
    out[STEMS.index(stem)] = mono.clamp(-1, 1)
    return out


def hold_mask(mode: str, n_tokens: int, tokens_for_seconds, keep_seconds: float, given: bool) -> torch.Tensor:
    if mode not in HOLD_MODES:
        raise ValueError(f"hold mode must be one of {HOLD_MODES}, got {mode!r}")
    keep = torch.zeros(n_tokens, dtype=torch.bool)
    if mode == "regenerate":
        return keep
    if not given:
        raise ValueError(f"'{mode}' needs the media it keeps: connect it, or choose 'regenerate'")
    if mode == "keep all":
        keep[:] = True
    elif mode == "keep first frame":
        keep[0] = True
    else:
        keep[:tokens_for_seconds(keep_seconds)] = True
    return keep


@torch.no_grad()
def encode_media(model: TalkieModel, cfg: AVConfig, frames: torch.Tensor | None = None,
                 stems: torch.Tensor | None = None, video_mode: str = "regenerate", audio_mode: str = "regenerate",
                 keep_seconds: float = 1.0) -> EncodedMedia:
    """frames [T,H,W,3] 0..1 at cfg.fps (a single image is repeated: image->AV);
    stems [S, num_samples] at the model's rate."""
    zv = torch.zeros(1, cfg.num_video_tokens, model.joint.cfg.video_dim)
    za = torch.zeros(1, cfg.num_audio_tokens, model.joint.cfg.audio_dim)
    if frames is not None:
        zv = model.encode_video(fit_frames(frames.float().clamp(0, 1), cfg.num_frames)[None], cfg)
    if stems is not None:
        za = model.encode_audio(stems[None].float(), cfg)
    keep_v = hold_mask(video_mode, cfg.num_video_tokens, cfg.video_tokens_for, keep_seconds, frames is not None)
    keep_a = hold_mask(audio_mode, cfg.num_audio_tokens, cfg.audio_tokens_for, keep_seconds, stems is not None)
    return EncodedMedia(zv, za, keep_v[None], keep_a[None])
