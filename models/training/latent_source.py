"""What a joint-training worker sends per clip: codec latents and text embeddings.

Runs inside the data workers, so rendering, encoding and text embedding overlap with the
training step instead of adding to it. On a GPU the codecs can run in the trainer instead
(`CodecLatents.fill`), a batch at a time, leaving the workers' cores to render."""
from __future__ import annotations

import numpy as np
import torch

from ..config import STEMS
from ..text_encoder import TextEncoder
from ..world.colour_names import grammar_names_of_other_things
from .event_weights import event_times

TEXT_TOKENS = 32


def _pad_tokens(emb):
    tok = emb.tokens[0, :TEXT_TOKENS].numpy().astype(np.float16)
    out = np.zeros((TEXT_TOKENS, tok.shape[1]), np.float16)
    out[: len(tok)] = tok
    return out, len(tok), emb.pooled[0].numpy().astype(np.float16)


class CodecLatents:
    """The two frozen codecs on one device: rendered pixels and stems -> latents, a batch at a
    time. Renderers use it for one clip on their CPU core; a GPU trainer for many at once."""

    def __init__(self, codec_path_video: str, codec_path_audio: str, device="cpu"):
        from ..checkpoint import load_checkpoint, load_into
        from ..codecs import AudioCodec, VideoCodec, codec_config

        tv, mv = load_checkpoint(codec_path_video)
        ta, ma = load_checkpoint(codec_path_audio)
        self.video = VideoCodec(codec_config("video", mv["config"]))
        self.audio = AudioCodec(codec_config("audio", ma["config"]))
        load_into(self.video, tv, "", codec_path_video)
        load_into(self.audio, ta, "", codec_path_audio)
        self.device = torch.device(device)
        self.video.eval().to(self.device)
        self.audio.eval().to(self.device)

    @torch.no_grad()
    def __call__(self, frames: np.ndarray, stems: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """frames [B,T,H,W,3] uint8, stems [B,S,N] float32 -> video latents [B,Lv,Dv] and audio
        latents [B,La,S*d] (each token: the stems' latents side by side), float32."""
        zv = self.video.encode(torch.from_numpy(frames).to(self.device).float() / 255.0)
        wave = torch.from_numpy(stems).to(self.device)
        N, spt = wave.shape[-1], self.audio.cfg.hop * self.audio.cfg.hops_per_token
        wave = torch.nn.functional.pad(wave, (0, -(-N // spt) * spt - N))
        za = self.audio.encode_stems(wave)  # the model's own layout and pitched stems (encode_audio)
        return zv.float().cpu().numpy(), za.float().cpu().numpy()

    def fill(self, items: list[dict], chunk: int = 32) -> list[dict]:
        """Items a renderer sent with pixels and stems instead of latents get their latents
        (the pixels and stems are dropped); the others pass through."""
        todo = [it for it in items if "zv" not in it]
        for i in range(0, len(todo), chunk):
            part = todo[i:i + chunk]
            zv, za = self(np.stack([it.pop("frames") for it in part]), np.stack([it.pop("stems") for it in part]))
            for it, v, a in zip(part, zv, za):
                it["zv"], it["za"] = v, a
        return items


class LatentEncoder:
    """Picklable factory: builds the frozen codecs + text encoder inside the worker.

    `colour_neutral_p`: share of clips whose caption MiniLM reads with its colour names
    replaced by a neutral word, the colour left to the names' colour features
    (`TextEncoder.encode_colour_neutral`); drawn per clip from its seed, so a run repeats.
    `codecs_in_worker=False`: the worker sends the clip's pixels and stems instead of latents,
    for the trainer to encode (`CodecLatents.fill`) on its own device."""

    def __init__(self, codec_path_video: str, codec_path_audio: str, colour_neutral_p: float = 0.0,
                 codecs_in_worker: bool = True):
        self.paths = (codec_path_video, codec_path_audio)
        self.colour_neutral_p = colour_neutral_p
        self.codecs_in_worker = codecs_in_worker

    def __call__(self):
        codecs = CodecLatents(*self.paths) if self.codecs_in_worker else None
        text = TextEncoder()
        keep = grammar_names_of_other_things()

        @torch.no_grad()
        def encode(clip, seed):
            stems = np.stack([clip.stems[s] for s in STEMS]).astype(np.float32)
            neutral = self.colour_neutral_p > 0 and np.random.default_rng([seed, 0xC1]).random() < self.colour_neutral_p
            cap = _pad_tokens(text.encode_colour_neutral(clip.caption, keep) if neutral else text.encode(clip.caption))
            acap = _pad_tokens(text.encode(clip.audio_caption or clip.caption))
            seen, heard = event_times(clip)
            item = {"cap": cap, "acap": acap, "family": clip.scene["family"], "seed": seed,
                    "events_seen": seen, "events_heard": heard}
            if codecs is None:
                item.update(frames=clip.frames, stems=stems)
            else:
                zv, za = codecs(clip.frames[None], stems[None])
                item.update(zv=zv[0], za=za[0])
            return item

        return encode
