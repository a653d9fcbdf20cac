"""TalkieModel: the codecs, the joint transformer and the latent statistics in one object,
loaded from and saved to one safetensors file whose metadata holds every config."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checkpoint import CheckpointError, load_checkpoint, load_into, save_checkpoint
from .codecs import AudioCodec, AudioCodecConfig, VideoCodec, VideoCodecConfig, codec_config
from .codecs.audio_codec import NEW_CODEC_UPSAMPLE
from .config import STEMS, AVConfig
from .joint_model import JointConfig, JointModel

FORMAT = "talkie-av/1"


class TalkieModel(nn.Module):
    def __init__(self, av: AVConfig, video: VideoCodecConfig, audio: AudioCodecConfig, joint: JointConfig):
        super().__init__()
        self.av = av
        self.video_codec = VideoCodec(video)
        self.audio_codec = AudioCodec(audio)
        self.joint = JointModel(joint)
        self.joint.trained_window = av.seconds  # longer clips attend block-locally
        # per-channel latent statistics: the joint model works on unit-scale latents
        self.register_buffer("video_mean", torch.zeros(joint.video_dim))
        self.register_buffer("video_std", torch.ones(joint.video_dim))
        self.register_buffer("audio_mean", torch.zeros(joint.audio_dim))
        self.register_buffer("audio_std", torch.ones(joint.audio_dim))

    # --- configs ---------------------------------------------------------------------------
    def clip_config(self, seconds: float, fps: float | None = None) -> AVConfig:
        from dataclasses import replace
        return replace(self.av, seconds=float(seconds), fps=float(fps or self.av.fps))

    @property
    def native_size(self) -> tuple[int, int]:
        return self.video_codec.cfg.width, self.video_codec.cfg.height

    # --- video -------------------------------------------------------------------------------
    def encode_video(self, frames: torch.Tensor, cfg: AVConfig) -> torch.Tensor:
        """frames [B,T,H,W,3] 0..1 (any size; resized to the codec's) -> normalised [B,Lv,Dv]."""
        B, T = frames.shape[:2]
        w, h = self.native_size
        if frames.shape[2:4] != (h, w):
            x = frames.reshape(B * T, *frames.shape[2:]).permute(0, 3, 1, 2)
            x = F.interpolate(x, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
            frames = x.permute(0, 2, 3, 1).reshape(B, T, h, w, 3).clamp(0, 1)
        pad = cfg.padded_frames - T
        if pad > 0:
            frames = torch.cat([frames, frames[:, -1:].expand(B, pad, *frames.shape[2:])], 1)
        z = self.video_codec.encode(frames[:, :cfg.padded_frames])
        return (z - self.video_mean) / self.video_std

    def decode_video(self, z: torch.Tensor, cfg: AVConfig, size: tuple[int, int] | None = None) -> torch.Tensor:
        """normalised [B,Lv,Dv] -> frames [B,T,H,W,3] 0..1 at `size` (width, height)."""
        # a few seconds of tokens at a time (each piece with the neighbours its frames depend
        # on): the decoder's activations for a minute at once would be gigabytes
        z = z * self.video_std + self.video_mean
        frames = self.video_codec.decode_in_pieces(z, DECODE_CHUNK_TOKENS)[:, :cfg.num_frames]
        if size is not None and tuple(size) != self.native_size:
            out = frames.new_empty(*frames.shape[:2], size[1], size[0], 3)
            for f, o in zip(frames, out):
                resize_frames(f, size, o)
            frames = out
        return frames

    # --- audio -------------------------------------------------------------------------------
    def encode_audio(self, stems: torch.Tensor, cfg: AVConfig) -> torch.Tensor:
        """stems [B,S,N] at the model's rate (S = 4 stems, or 1 = an unseparated mix,
        which is carried in the effects stem) -> normalised [B,La,S_all*d]."""
        B, S, N = stems.shape
        if S == 1:
            stems = torch.cat([stems, stems.new_zeros(B, len(STEMS) - 1, N)], 1)
        elif S != len(STEMS):
            raise ValueError(f"expected 1 or {len(STEMS)} stems, got {S}")
        pad = cfg.padded_samples - N
        stems = F.pad(stems, (0, max(0, pad)))[..., :cfg.padded_samples]
        return (self.audio_codec.encode_stems(stems) - self.audio_mean) / self.audio_std

    def decode_audio(self, z: torch.Tensor, cfg: AVConfig) -> torch.Tensor:
        """normalised [B,La,S*d] -> stems [B,S,num_samples]."""
        return self.audio_codec.decode_stems(z * self.audio_std + self.audio_mean)[..., :cfg.num_samples]

    # --- persistence --------------------------------------------------------------------------
    def meta(self, extra: dict | None = None) -> dict:
        m = {"format": FORMAT, "av": self.av.to_dict(), "video_codec": self.video_codec.cfg.to_dict(),
             "audio_codec": self.audio_codec.cfg.to_dict(), "joint": self.joint.cfg.to_dict()}
        m.update(extra or {})
        return m

    def save(self, path: str, extra_meta: dict | None = None, dtype=torch.float16) -> None:
        tensors = {k: (v.to(dtype) if v.is_floating_point() and dtype is not None else v)
                   for k, v in self.state_dict().items()}
        save_checkpoint(path, tensors, self.meta(extra_meta))

    @classmethod
    def from_meta(cls, meta: dict, source: str = "<config>") -> "TalkieModel":
        if meta.get("format") != FORMAT:
            raise CheckpointError(f"checkpoint {source!r} is not a Talkie AV model (format {meta.get('format')!r}, "
                                  f"expected {FORMAT!r})")
        try:
            return cls(AVConfig.from_dict(meta["av"]), codec_config("video", meta["video_codec"]),
                       codec_config("audio", meta["audio_codec"]), JointConfig(**meta["joint"]))
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError(f"checkpoint {source!r} has an invalid config: {e}") from None

    @classmethod
    def from_size_config(cls, path: str) -> "TalkieModel":
        """A randomly initialised model of one size (models/configs/*.json): the starting
        point of training, and the tiny instances tests run on."""
        import json
        spec = json.load(open(path))
        av = AVConfig.from_dict(spec["av"])
        video = VideoCodecConfig(height=av.height, width=av.width, frames_per_latent=av.frames_per_latent)
        audio = AudioCodecConfig(sample_rate=av.sample_rate, n_fft=av.stft_window, hop=av.stft_hop,
                                 hops_per_token=av.hops_per_token, upsample=NEW_CODEC_UPSAMPLE)
        joint = JointConfig(video_dim=video.latent_dim, audio_dim=audio.channels * len(STEMS), **spec["joint"])
        return cls(av, video, audio, joint)

    @classmethod
    def load(cls, path: str) -> "TalkieModel":
        tensors, meta = load_checkpoint(path)
        model = cls.from_meta(meta, path)
        load_into(model, {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}, "", path)
        model.checkpoint_meta = meta
        return model.eval().requires_grad_(False)


DECODE_CHUNK_TOKENS = 48


def resize_frames(frames: torch.Tensor, size: tuple[int, int], out: torch.Tensor | None = None,
                  chunk: int = 48) -> torch.Tensor:
    """[T,H,W,3] 0..1 -> [T,h,w,3] at `size` (width, height), bicubic, a chunk of frames at a
    time (into `out` when given), so a minute of frames never has a second full-size copy.
    Frames already at `size` are copied as they are."""
    w, h = size
    out = out if out is not None else frames.new_empty(frames.shape[0], h, w, 3)
    if tuple(frames.shape[1:3]) == (h, w):
        out.copy_(frames)
        return out
    for i in range(0, frames.shape[0], chunk):
        x = F.interpolate(frames[i:i + chunk].permute(0, 3, 1, 2), size=(h, w), mode="bicubic", align_corners=False)
        out[i:i + chunk] = x.clamp(0, 1).permute(0, 2, 3, 1)
    return out


