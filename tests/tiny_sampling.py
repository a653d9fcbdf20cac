"""A tiny random-weight model with one prompt's sampling inputs, for sampler tests."""
from __future__ import annotations

import os
from functools import partial

import torch

from talkie.models.av_model import TalkieModel
from talkie.models.pipeline import make_noise, token_times
from talkie.models.sampler import Conditioning, sample
from talkie.models.text_encoder import TextEncoder

TINY = os.path.join(os.path.dirname(__file__), "..", "models", "configs", "talkie-tiny.json")


def tiny_sampler(prompt: str = "a red ball bouncing", seconds: float = 1.0, steps: int = 3):
    """`sample` bound to a tiny model and `prompt`'s inputs; call it with the sampler's keyword
    arguments (guidance=, autocast=). The weights are perturbed: zero-initialised output
    layers would make every setting give the same clip."""
    torch.manual_seed(0)
    model = TalkieModel.from_size_config(TINY).eval()
    for p in model.joint.parameters():
        p.data.add_(0.05 * torch.randn_like(p))
    cfg = model.clip_config(seconds)
    nv, na = make_noise(model, cfg, 1, 0)
    tv, ta = token_times(cfg, 1)
    text = TextEncoder()
    emb, empty = text.encode(prompt), text.encode("")
    return partial(sample, model.joint, nv, na, tv, ta, Conditioning(emb, emb, empty, empty), steps=steps)
