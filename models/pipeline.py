"""Prompt -> clip, headless. The ComfyUI nodes call the same pieces one node at a time;
`talkie generate` calls `Generator.generate` end to end."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch

from .av_model import TalkieModel
from .colour_grounding import ColourVocabulary
from .config import AVConfig
from .sampler import Conditioning, Guidance, sample
from .text_encoder import TextEncoder

DEFAULT_CHECKPOINT_NAME = "talkie-s.safetensors"
LONG_CLIP_MODES = ("windows", "one pass")


def default_checkpoint_path() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "checkpoints",
                        DEFAULT_CHECKPOINT_NAME)


@dataclass
class SamplingSettings:
    """Defaults chosen on the shipped model (see MODEL_CARD.md for the measurements)."""
    steps: int = 12
    method: str = "heun"
    shift: float = 3.0
    guidance: Guidance = field(default_factory=lambda: Guidance(video=1.5, audio=1.5, sync=0.5, interval=(0.3, 1.0)))
    # clips longer than the trained window: "windows" = window after window, each holding
    # the last second of the previous (models/extension.py); "one pass" = the whole clip in
    # one sampling pass with block-local attention (models/joint_model.local_blocks)
    long_clips: str = "windows"
    # bf16 autocast for the transformer: None = where the device computes bf16 natively
    # (models/precision.py); True / False force it (benchmarks, comparisons)
    autocast: bool | None = None


@dataclass
class GeneratedClip:
    frames: torch.Tensor      # [B, T, H, W, 3] float 0..1
    stems: torch.Tensor       # [B, S, N] float, one row per stem
    sample_rate: int
    fps: float

    @property
    def mix(self) -> torch.Tensor:  # [B, 1, N]
        return self.stems.sum(1, keepdim=True).clamp(-1, 1)


def make_noise(model: TalkieModel, cfg: AVConfig, batch: int, seed: int, device="cpu"):
    """Seeded starting noise; one generator per batch item, so item k is the same clip
    whether generated alone (seed + k) or in a batch."""
    vs, as_ = [], []
    for b in range(batch):
        g = torch.Generator(device="cpu").manual_seed(int(seed) + b)
        vs.append(torch.randn(cfg.num_video_tokens, model.joint.cfg.video_dim, generator=g))
        as_.append(torch.randn(cfg.num_audio_tokens, model.joint.cfg.audio_dim, generator=g))
    return torch.stack(vs).to(device), torch.stack(as_).to(device)


def token_times(cfg: AVConfig, batch: int, device="cpu"):
    tv = cfg.video_token_times().float().to(device)[None].expand(batch, -1)
    ta = cfg.audio_token_times().float().to(device)[None].expand(batch, -1)
    return tv, ta


class Generator:
    """`ground_colours`: say colour names the model never trained on with its own colour words
    (`colour_grounding`; only where the checkpoint records its trained colour vocabulary)."""

    def __init__(self, model: TalkieModel, text_encoder: TextEncoder | None = None, ground_colours: bool = True):
        self.model = model
        self.text = text_encoder or TextEncoder()
        meta = getattr(model, "checkpoint_meta", None)
        self.colours = ColourVocabulary.from_meta(meta) if ground_colours else None

    @classmethod
    def from_checkpoint(cls, path: str | None = None, ground_colours: bool = True) -> "Generator":
        return cls(TalkieModel.load(path or default_checkpoint_path()), ground_colours=ground_colours)

    def said(self, text: str) -> str:
        """The text the model reads for `text` (colour names grounded where that is on)."""
        return self.colours.ground(text)[0] if self.colours and text else text

    def conditioning(self, prompt: str, audio_prompt: str | None = None, negative: str = "",
                     audio_negative: str | None = None, batch: int = 1) -> Conditioning:
        enc = lambda t: self.text.encode([self.said(t)] * batch)  # noqa: E731
        return Conditioning(video=enc(prompt), audio=enc(audio_prompt or prompt), video_neg=enc(negative),
                            audio_neg=enc(audio_negative if audio_negative is not None else negative))

    @torch.no_grad()
    def generate(self, prompt: str, seconds: float = 4.0, fps: float | None = None, seed: int = 0,
                 width: int | None = None, height: int | None = None, audio_prompt: str | None = None,
                 negative: str = "", settings: SamplingSettings | None = None, callback=None,
                 timings: dict | None = None) -> GeneratedClip:
        import time

        s = settings or SamplingSettings()
        if s.long_clips not in LONG_CLIP_MODES:
            raise ValueError(f"long_clips must be one of {LONG_CLIP_MODES}, got {s.long_clips!r}")
        t0 = time.perf_counter()
        window = self.model.av.seconds
        longer = seconds > window + 1e-9 and s.long_clips == "windows"
        # longer than the trained window: one window, then extension (cost per second stays flat)
        cfg = self.model.clip_config(window if longer else seconds, fps)
        cond = self.conditioning(prompt, audio_prompt, negative)
        t1 = time.perf_counter()
        nv, na = make_noise(self.model, cfg, 1, seed)
        tv, ta = token_times(cfg, 1)
        zv, za = sample(self.model.joint, nv, na, tv, ta, cond, steps=s.steps, method=s.method, shift=s.shift,
                        guidance=s.guidance, callback=callback, autocast=s.autocast)
        t2 = time.perf_counter()
        size = (width, height) if width and height else None
        # a clip that will be extended is decoded at the codec's size and scaled once at the end
        frames = self.model.decode_video(zv, cfg, None if longer else size)
        stems = self.model.decode_audio(za, cfg)
        t3 = time.perf_counter()
        ext = 0.0
        if longer:
            from .extension import extend
            full = self.model.clip_config(seconds, fps)
            f, st = extend(self.model, cond, frames[0], stems[0], cfg.fps, full.seconds_exact - cfg.seconds_exact,
                           seed=seed + 1, steps=s.steps, method=s.method, shift=s.shift, guidance=s.guidance,
                           out_size=size, video_latents=zv[0], autocast=s.autocast)
            frames, stems = f[None], st[None]
            ext = time.perf_counter() - t3
        if timings is not None:  # extension is sampling plus its own decoding; counted as sampling
            timings.update(text=t1 - t0, sampling=t2 - t1 + ext, decoding=t3 - t2)
        return GeneratedClip(frames=frames, stems=stems, sample_rate=cfg.sample_rate, fps=cfg.fps)
