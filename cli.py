"""`talkie generate`: the text-to-AV pipeline without a server, writing the same kind of
MP4 as the workflow (H.264 + AAC, metadata with the settings used)."""
from __future__ import annotations

import argparse
import json
import sys
import time


def _positive_float(v):
    x = float(v)
    if not x > 0 or x != x or x == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {v}")
    return x


def _positive_int(v):
    x = int(v)
    if x <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {v}")
    return x


def build_parser():
    ap = argparse.ArgumentParser(prog="talkie", description="Talkie: native audio + video generation.")
    sub = ap.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="prompt -> MP4 with sound, headless")
    g.add_argument("--prompt", required=True)
    g.add_argument("--audio-prompt", default=None, help="optional separate description of the sound")
    g.add_argument("--negative", default="")
    g.add_argument("--seconds", type=_positive_float, default=4.0)
    g.add_argument("--fps", type=_positive_float, default=24.0)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--steps", type=_positive_int, default=None)
    g.add_argument("--long-clips", choices=("windows", "one pass"), default=None,
                   help="clips longer than the model's window: window after window (default), or one "
                        "sampling pass with block-local attention")
    g.add_argument("--width", type=_positive_int, default=256)
    g.add_argument("--height", type=_positive_int, default=256)
    g.add_argument("--no-colour-grounding", action="store_true",
                   help="read colour names the model never trained on as written (default: said with the "
                        "nearest trained colour word, e.g. 'cobalt' -> 'blue')")
    g.add_argument("--checkpoint", default=None, help="a Talkie .safetensors file (default: the shipped model)")
    g.add_argument("--threads", type=_positive_int, default=None)
    g.add_argument("--out", required=True, help="output .mp4 path")
    return ap


def generate(args) -> dict:
    import torch

    from .models.limits import validate_clip_request
    from .models.media import write_av_mp4
    from .models.pipeline import Generator, SamplingSettings

    validate_clip_request(args.seconds, args.fps, args.width, args.height)
    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    gen = Generator.from_checkpoint(args.checkpoint, ground_colours=not args.no_colour_grounding)
    t_load = time.perf_counter() - t0
    settings = SamplingSettings()
    if args.steps:
        settings.steps = args.steps
    if args.long_clips:
        settings.long_clips = args.long_clips
    timings: dict = {}
    # frames stay at the model's native size; the muxer scales them one at a time, so a
    # minute of 256x256 video never sits in memory as float frames
    clip = gen.generate(args.prompt, args.seconds, args.fps, args.seed, audio_prompt=args.audio_prompt,
                        negative=args.negative, settings=settings, timings=timings)
    t1 = time.perf_counter()
    meta = {"talkie": json.dumps({"prompt": args.prompt, "said": gen.said(args.prompt),
                                  "audio_prompt": args.audio_prompt, "seed": args.seed,
                                  "seconds": args.seconds, "fps": args.fps, "steps": settings.steps})}
    write_av_mp4(args.out, clip.frames[0], clip.mix[0], clip.fps, clip.sample_rate, metadata=meta,
                 size=(args.width, args.height))
    timings.update(load=t_load, mux=time.perf_counter() - t1)
    return timings


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "generate":
        try:
            timings = generate(args)
        except (ValueError, FileNotFoundError) as e:
            print(f"talkie: error: {e}", file=sys.stderr)
            return 2
        print(f"wrote {args.out} ({', '.join(f'{k} {v:.2f}s' for k, v in timings.items())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
