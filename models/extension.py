"""Long clips by extension: generate window after window, each one holding the last
`overlap` seconds of what exists so far fixed and continuing from there.

Each window is a fresh clip of the trained length whose token grids start at the window's
own start, so picture and sound stay on one clock however long the clip grows; the cost
per generated second is that of one window, flat in the total length.

Picture is carried in latent space from window to window (a window's last tokens are the
next one's held overlap: no decode/re-encode round trip), decoded at the codec's own size,
and scaled to the output size once at the end. Sound is carried as samples, because a
window step is not a whole number of audio tokens; it is spliced with a short crossfade
at the end of the overlap, where both sides hold the same sound."""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from .av_model import TalkieModel, resize_frames
from .pipeline import make_noise, token_times
from .sampler import Conditioning, Guidance, sample

CROSSFADE_S = 0.02


@torch.no_grad()
def extend(model: TalkieModel, cond: Conditioning, frames: torch.Tensor, stems: torch.Tensor, fps: float,
           extend_seconds: float, overlap_seconds: float = 1.0, window_seconds: float | None = None, seed: int = 0,
           steps: int = 12, method: str = "heun", shift: float = 3.0, guidance: Guidance | None = None,
           on_window: Callable | None = None, out_size: tuple[int, int] | None = None,
           video_latents: torch.Tensor | None = None, autocast: bool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """frames [T,H,W,3] 0..1, stems [S,N] at the model's rate (N = T*sr/fps) -> longer
    (frames, stems). The given frames come back untouched, and new ones at their size,
    unless `out_size` (width, height) asks for another. `video_latents` [Lv,Dv]: the given
    clip's own normalised latents when it was just generated (skips encoding its end).
    `on_window(i, n)` is called after each window (it may raise to cancel)."""
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
    ov_tokens = ov_frames // f
    ov_samples = round(ov_frames * sr / fps)
    xf = min(ov_samples, int(CROSSFADE_S * sr))
    if video_latents is not None and video_latents.shape[0] * f == frames.shape[0]:
        held_v = video_latents[None, -ov_tokens:].float()
    else:  # the end of a clip we did not make: encode it once
        held_v = model.encode_video(frames[None, -ov_frames:].float(), model.clip_config(ov_frames / fps, fps))
    stem_parts = [stems.float().clone()]  # joined once at the end, never re-concatenated per window
    new_frames = []                       # at the codec's size: a minute of them is a few MB
    keep_v = torch.zeros(1, cfg.num_video_tokens, dtype=torch.bool)
    keep_v[:, :ov_tokens] = True
    keep_a = torch.zeros(1, cfg.num_audio_tokens, dtype=torch.bool)
    keep_a[:, :ov_samples // cfg.samples_per_token] = True  # only tokens wholly inside the overlap
    for i in range(n_windows):
        init_v = F.pad(held_v, (0, 0, 0, cfg.num_video_tokens - ov_tokens))
        last_stems = torch.cat(stem_parts[-2:], 1)[:, -ov_samples:]
        init_a = model.encode_audio(audio_encoding_context(last_stems, cfg.num_samples)[None], cfg)
        nv, na = make_noise(model, cfg, 1, seed + i)
        tv, ta = token_times(cfg, 1)
        zv, za = sample(model.joint, nv, na, tv, ta, cond, steps=steps, method=method, shift=shift,
                        guidance=guidance, init_v=init_v, init_a=init_a, keep_v=keep_v, keep_a=keep_a,
                        autocast=autocast)
        held_v = zv[:, -ov_tokens:]
        # the whole window, the held overlap dropped after: a decoder with temporal layers draws
        # the first new frames knowing the overlap's, so the seam does not flicker
        new_frames.append(model.decode_video(zv, cfg)[0, ov_frames:])
        win_stems = model.decode_audio(za, cfg)[0]
        ramp = torch.linspace(0, 1, xf)
        tail = stem_parts[-1]
        if tail.shape[1] < xf:
            raise RuntimeError("internal: a window added less audio than the crossfade")
        tail[:, -xf:] = tail[:, -xf:] * (1 - ramp) + win_stems[:, ov_samples - xf:ov_samples] * ramp
        stem_parts.append(win_stems[:, ov_samples:].clone())
        if on_window is not None:
            on_window(i + 1, n_windows)
    n_samples = round(target * sr / fps)
    return _assemble(frames, new_frames, target, out_size), torch.cat(stem_parts, 1)[:, :n_samples]


def audio_encoding_context(held: torch.Tensor, n_samples: int) -> torch.Tensor:
    """The held overlap's stems [S, ov] repeated to a whole window of `n_samples`. The audio
    encoder normalises over its whole input (GroupNorm across time): the held second padded
    with silence got tokens far from those it gets inside a whole clip, as in training, and the
    windows after the first came out ~7 dB louder than the first (BENCHMARKS.md, session 24).
    Repeated, it is encoded close to how a whole clip would be; only the tokens wholly inside
    the first copy are kept."""
    reps = -(-n_samples // held.shape[1])
    return held.repeat(1, reps)[:, :n_samples]


def _assemble(given: torch.Tensor, new: list[torch.Tensor], total: int, out_size) -> torch.Tensor:
    """The given frames, then the new ones, in one [total,h,w,3] tensor at the output size,
    filled in place (one full-size allocation for the whole clip)."""
    size = tuple(out_size) if out_size else (given.shape[2], given.shape[1])
    out = torch.empty(total, size[1], size[0], 3)
    n0 = given.shape[0]
    resize_frames(given.float(), size, out[:n0])
    resize_frames(torch.cat(new)[:total - n0], size, out[n0:])
    return out
