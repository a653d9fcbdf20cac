"""What a joint-training worker sends per clip: codec latents and text embeddings.

Runs inside the data workers, so rendering, encoding and text embedding overlap with the
training step instead of adding to it."""
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


class LatentEncoder:
    """Picklable factory: builds the frozen codecs + text encoder inside the worker.

    `colour_neutral_p`: share of clips whose caption MiniLM reads with its colour names
    replaced by a neutral word, the colour left to the names' colour features
    (`TextEncoder.encode_colour_neutral`); drawn per clip from its seed, so a run repeats."""

    def __init__(self, codec_path_video: str, codec_path_audio: str, colour_neutral_p: float = 0.0):
        self.paths = (codec_path_video, codec_path_audio)
        self.colour_neutral_p = colour_neutral_p

    def __call__(self):
        from ..checkpoint import load_checkpoint, load_into
        from ..codecs import AudioCodec, VideoCodec, codec_config

        tv, mv = load_checkpoint(self.paths[0])
        ta, ma = load_checkpoint(self.paths[1])
        video = VideoCodec(codec_config("video", mv["config"]))
        audio = AudioCodec(codec_config("audio", ma["config"]))
        load_into(video, tv, "", self.paths[0])
        load_into(audio, ta, "", self.paths[1])
        video.eval()
        audio.eval()
        text = TextEncoder()
        keep = grammar_names_of_other_things()

        @torch.no_grad()
        def encode(clip, seed):
            frames = torch.from_numpy(clip.frames).float()[None] / 255.0
            zv = video.encode(frames)[0].numpy().astype(np.float32)
            stems = torch.from_numpy(np.stack([clip.stems[s] for s in STEMS]))
            spt = audio.cfg.hop * audio.cfg.hops_per_token
            n = -(-stems.shape[-1] // spt) * spt
            stems = torch.nn.functional.pad(stems, (0, n - stems.shape[-1]))
            za = audio.encode(stems)                                   # [S, La, d]
            za = za.permute(1, 0, 2).flatten(1).numpy().astype(np.float32)
            neutral = self.colour_neutral_p > 0 and np.random.default_rng([seed, 0xC1]).random() < self.colour_neutral_p
            cap = _pad_tokens(text.encode_colour_neutral(clip.caption, keep) if neutral else text.encode(clip.caption))
            acap = _pad_tokens(text.encode(clip.audio_caption or clip.caption))
            seen, heard = event_times(clip)
            return {"zv": zv, "za": za, "cap": cap, "acap": acap, "family": clip.scene["family"], "seed": seed,
                    "events_seen": seen, "events_heard": heard}

        return encode
