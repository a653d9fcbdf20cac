"""Shared set-up of the video-decoder diagnostics under docs/results (what a tracker or a
detector reads in the world as rendered against the same scene through a decoder):

    model, cfg, args = decoder_probe_setup("what it reads", default_clips=20)
    clip, world, decoded = world_and_decoded(model, cfg, "glass", seed)
"""
from __future__ import annotations

import argparse

from ..av_model import TalkieModel
from ..world import render_clip
from .clipdata import ClipData
from .evaluate import codec_round_trip, native_clip_config, with_codecs


def decoder_probe_setup(description: str, default_clips: int, argv=None):
    """Parse `MODEL [--video-codec FILE] [--clips N]`; returns the model (its video codec
    replaced by FILE when given), its native clip config and the parsed arguments."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("model", help="a Talkie checkpoint")
    ap.add_argument("--video-codec", default=None, help="a video codec file that replaces the model's")
    ap.add_argument("--clips", type=int, default=default_clips, help="held-out seeds 0..N-1")
    args = ap.parse_args(argv)
    model = with_codecs(TalkieModel.load(args.model), {"video": args.video_codec} if args.video_codec else {})
    return model, native_clip_config(model), args


def world_and_decoded(model, cfg, family: str, seed: int, split: str = "heldout", rain: bool | None = None):
    """(the rendered clip, its ClipData as rendered, its ClipData through the video codec);
    `rain` forces the rain overlay on or off where the family takes one (`render_clip`)."""
    clip = render_clip(seed, cfg, family=family, split=split, rain=rain)
    return clip, ClipData.from_world(clip, cfg), codec_round_trip(model, clip, cfg, "video")
