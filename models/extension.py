"""Long clips by extension: generate window after window, each one holding the last
`overlap` seconds of what exists so far fixed and continuing from there.

Each window is a fresh clip of the trained length whose token grids start at the window's
own start, so picture and sound stay on one clock however long the clip grows; the cost
per generated second is that of one window, flat in the total length. Audio is spliced
with a short crossfade at the end of the overlap, where both sides hold the same sound."""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from .av_model import TalkieModel
from .editing import fit_frames
from .pipeline import make_noise, token_times
from .sampler import Conditioning, Guidance, sample

CROSSFADE_S = 0.02


def _resize(frames: torch.Tensor, hw: tuple[int, int]) -> torch.Tensor:
    if tuple(frames.shape[1:3]) == tuple(hw):
        return frames
    x = F.interpolate(frames.permute(0, 3, 1, 2), size=hw, mode="bicubic", align_corners=False)
    return x.clamp(0, 1).permute(0, 2, 3, 1)


@torch.no_grad()
def extend(model: TalkieModel, cond: Conditioning, frames: torch.Tensor, stems: torch.Tensor, fps: float,
           extend_seconds: float, overlap_seconds: float = 1.0, window_seconds: float | None = None, seed: int = 0,
           steps: int = 12, method: str = "heun", shift: float = 3.0, guidance: Guidance | None = None,
           on_window: Callable | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """frames [T,H,W,3] 0..1, stems [S,N] at the model's rate (N = T*sr/fps) -> longer
    (frames, stems). `on_window(i, n)` is called after each window (it may raise to cancel)."""
    f = model.av.frames_per_latent
    sr = model.av.sample_rate
    window_seconds = window_seconds or model.av.seconds
    win_frames = max(2 * f, int(round(window_seconds * fps / f)) * f)
    ov_frames = int(round(overlap_seconds * fps / f)) * f
    if not f <= ov_frames < win_frames:
        raise ValueError(f"overlap ({overlap_seconds} s) must be at least one token ({f} frames) and shorter than "
                         f"the window ({window_seconds} s)")
    if frames.shape[0] < ov_frames:
        raise ValueError(f"the clip ({frames.shape[0]} frames) is shorter than the overlap ({ov_frames} frames)")
    new_per_window = win_frames - ov_frames
    target = frames.shape[0] + int(round(extend_seconds * fps))
    n_windows = math.ceil((target - frames.shape[0]) / new_per_window)
    cfg = model.clip_config(win_frames / fps, fps)
    ov_samples = round(ov_frames * sr / fps)
    xf = min(ov_samples, int(CROSSFADE_S * sr))
    # pieces are collected and joined once: re-concatenating a growing minute of frames
    # every window would copy gigabytes
    frame_parts, stem_parts = [frames.float()], [stems.float().clone()]
    hw = tuple(frames.shape[1:3])
    keep_v = torch.zeros(1, cfg.num_video_tokens, dtype=torch.bool)
    keep_v[:, :ov_frames // f] = True
    keep_a = torch.zeros(1, cfg.num_audio_tokens, dtype=torch.bool)
    keep_a[:, :ov_samples // cfg.samples_per_token] = True  # only tokens wholly inside the overlap
    for i in range(n_windows):
        last_frames = torch.cat([p for p in frame_parts[-2:]])[-ov_frames:]
        last_stems = torch.cat([p for p in stem_parts[-2:]], 1)[:, -ov_samples:]
        ctx_frames = fit_frames(last_frames, cfg.num_frames)
        ctx_stems = F.pad(last_stems, (0, cfg.num_samples - ov_samples))
        init_v = model.encode_video(ctx_frames[None], cfg)
        init_a = model.encode_audio(ctx_stems[None], cfg)
        nv, na = make_noise(model, cfg, 1, seed + i)
        tv, ta = token_times(cfg, 1)
        zv, za = sample(model.joint, nv, na, tv, ta, cond, steps=steps, method=method, shift=shift,
                        guidance=guidance, init_v=init_v, init_a=init_a, keep_v=keep_v, keep_a=keep_a)
        new_frames = _resize(model.decode_video(zv, cfg)[0], hw)[ov_frames:]
        win_stems = model.decode_audio(za, cfg)[0]
        ramp = torch.linspace(0, 1, xf)
        tail = stem_parts[-1]
        if tail.shape[1] < xf:
            raise RuntimeError("internal: a window added less audio than the crossfade")
        tail[:, -xf:] = tail[:, -xf:] * (1 - ramp) + win_stems[:, ov_samples - xf:ov_samples] * ramp
        frame_parts.append(new_frames)
        stem_parts.append(win_stems[:, ov_samples:].clone())
        if on_window is not None:
            on_window(i + 1, n_windows)
    n_samples = round(target * sr / fps)
    return torch.cat(frame_parts)[:target], torch.cat(stem_parts, 1)[:, :n_samples]
