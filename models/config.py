"""One object owns every length derived from seconds, fps and sample rate.

Anything that needs a frame count, a sample count, a token count or a token's time in
seconds asks an `AVConfig`; no other module does this arithmetic itself.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

STEMS = ("effects", "ambience", "voice", "music")
PITCHED_STEMS = ("voice", "music")  # where an audio codec with pitch channels tracks the pitch


@dataclass(frozen=True)
class AVConfig:
    seconds: float = 4.0
    fps: float = 24.0
    sample_rate: int = 16000
    width: int = 64
    height: int = 64
    # Audio codec framing: a short STFT (4 ms hop, 16 ms window) keeps onsets sharp;
    # one audio latent token covers `hops_per_token` hops (32 ms).
    stft_hop: int = 64
    stft_window: int = 256
    hops_per_token: int = 8
    # Video codec framing: consecutive frames that share one video latent token.
    frames_per_latent: int = 2

    def __post_init__(self):
        if not (self.seconds > 0 and math.isfinite(self.seconds)):
            raise ValueError(f"seconds must be a positive finite number, got {self.seconds!r}")
        if not (self.fps > 0 and math.isfinite(self.fps)):
            raise ValueError(f"fps must be a positive finite number, got {self.fps!r}")
        if self.sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {self.sample_rate!r}")

    # --- video -------------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        return max(1, round(self.seconds * self.fps))

    def frame_times(self):
        """Start time of each frame in seconds (frame k is shown during [k/fps, (k+1)/fps))."""
        import torch
        return torch.arange(self.num_frames, dtype=torch.float64) / self.fps

    @property
    def num_video_tokens(self) -> int:
        return math.ceil(self.num_frames / self.frames_per_latent)

    @property
    def padded_frames(self) -> int:
        """Frame count the video codec works on (a whole number of tokens)."""
        return self.num_video_tokens * self.frames_per_latent

    @property
    def video_token_seconds(self) -> float:
        """How long one video token lasts."""
        return self.frames_per_latent / self.fps

    def video_token_times(self):
        """Centre of each video token in seconds: the positions the joint model sees."""
        import torch
        k = torch.arange(self.num_video_tokens, dtype=torch.float64)
        return (k + 0.5) * self.frames_per_latent / self.fps

    # --- audio -------------------------------------------------------------------------
    @property
    def num_samples(self) -> int:
        """Exactly frames x sample_rate / fps samples, so audio and video end together."""
        return round(self.num_frames * self.sample_rate / self.fps)

    @property
    def samples_per_token(self) -> int:
        return self.stft_hop * self.hops_per_token

    @property
    def num_audio_tokens(self) -> int:
        return math.ceil(self.num_samples / self.samples_per_token)

    @property
    def padded_samples(self) -> int:
        """Sample count the audio codec works on (a whole number of tokens)."""
        return self.num_audio_tokens * self.samples_per_token

    @property
    def audio_token_seconds(self) -> float:
        """How long one audio token lasts."""
        return self.samples_per_token / self.sample_rate

    def audio_token_times(self):
        """Centre of each audio token in seconds: the positions the joint model sees."""
        import torch
        k = torch.arange(self.num_audio_tokens, dtype=torch.float64)
        return (k + 0.5) * self.samples_per_token / self.sample_rate

    def video_tokens_for(self, seconds: float) -> int:
        """Video tokens covering `seconds` from the start (for masks given in seconds)."""
        return min(self.num_video_tokens, max(0, math.ceil(seconds * self.fps / self.frames_per_latent)))

    def audio_tokens_for(self, seconds: float) -> int:
        return min(self.num_audio_tokens, max(0, math.ceil(seconds * self.sample_rate / self.samples_per_token)))

    # --- helpers -----------------------------------------------------------------------
    @property
    def seconds_exact(self) -> float:
        return self.num_frames / self.fps

    def with_seconds(self, seconds: float) -> "AVConfig":
        return replace(self, seconds=float(seconds))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "AVConfig":
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)
