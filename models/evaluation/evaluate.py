"""Evaluate a checkpoint (or, with --reference, the rendered scenes themselves) on held-out
Foley-world scenes: per family, render scene `seed` to get its caption (train or heldout
words) and ground truth, generate a clip from that caption, then run the attribute
detectors and the per-family sync measurement.

    python -m talkie.models.evaluation.evaluate --checkpoint runs/joint/talkie.safetensors \\
        --clips-per-family 4 --split heldout --out results.json --markdown results.md

--reference evaluates the rendered clips (no model): the detectors' calibration.
--codec-round-trip evaluates the rendered clips after the checkpoint's codecs (encode, then
decode, no transformer): the ceiling the codecs put on every metric.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from ..config import AVConfig
from ..precision import PRECISIONS, precision_name
from ..training.data import TRAIN_SEED_BASE
from ..world import FAMILIES, render_clip
from .aggregate import aggregate, markdown
from .clipdata import ClipData
from .detectors import coherent_frames, detect_attributes, expected_attributes, family
from .sync_eval import sync_eval


def evaluate_clip(c: ClipData, scene: dict) -> dict:
    """Detector answers, family guess, per-frame coherence (balls) and sync of one clip."""
    fam = scene["family"]
    return {"family": fam, "expected": expected_attributes(scene), "detected": detect_attributes(c, scene),
            "family_detected": family(c),
            "coherent_frames": coherent_frames(c, scene["count"]).tolist() if fam == "ball" else [],
            "sync": sync_eval(c, fam, scene)}


def _settings_from_args(a):
    """The shipped SamplingSettings with whatever the command line overrides."""
    from dataclasses import replace

    from ..pipeline import SamplingSettings

    s = SamplingSettings()
    g = replace(s.guidance, **{k: v for k, v in (("video", a.video_guidance), ("audio", a.audio_guidance),
                                                  ("sync", a.sync_guidance), ("parallel", a.guidance_parallel),
                                                  ("rescale", a.guidance_rescale))
                                 if v is not None})
    return replace(s, guidance=g, autocast=PRECISIONS[a.precision],
                   **{k: v for k, v in (("steps", a.steps), ("method", a.method), ("long_clips", a.long_clips))
                      if v is not None})


def _settings_dict(s) -> dict:
    g = s.guidance
    return {"steps": s.steps, "method": s.method, "shift": s.shift, "video_guidance": g.video,
            "audio_guidance": g.audio, "sync_guidance": g.sync, "guidance_interval": list(g.interval),
            "guidance_parallel": g.parallel, "guidance_rescale": g.rescale,
            "long_clips": s.long_clips, "precision": precision_name(s.autocast)}


def native_clip_config(model, seconds: float | None = None) -> AVConfig:
    """The model's own clip settings (its window by default) at the codec's native size."""
    from dataclasses import replace
    w, h = model.native_size
    return replace(model.clip_config(seconds or model.av.seconds), width=w, height=h)


ROUND_TRIP_STREAMS = ("both", "video", "audio")


def known_families(families=None) -> list[str]:
    """`families` (default: every family); a name the world does not know is an error."""
    families = list(families or FAMILIES)
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise ValueError(f"unknown families {unknown}; known: {sorted(FAMILIES)}")
    return families


def rendered_frames(clip):
    """A rendered clip's frames as the codecs take them: [1, T, H, W, 3] float, 0..1."""
    import torch
    return torch.from_numpy(clip.frames).float().div(255)[None]


def rendered_stems(clip):
    """A rendered clip's stems as the codecs take them: [1, stems, samples] float, STEMS order."""
    import torch

    from ..config import STEMS
    return torch.from_numpy(np.stack([clip.stems[k] for k in STEMS]))[None].float()


def add_codec_file_arguments(p: argparse.ArgumentParser, condition: str = "") -> None:
    """--audio-codec / --video-codec FILE: codec files (train_codecs output) in place of the
    checkpoint's; read them back with `codec_files`."""
    for which in ("audio", "video"):
        p.add_argument(f"--{which}-codec", default=None, metavar="FILE",
                       help=f"{condition}use this {which} codec (train_codecs output) in place of the checkpoint's")


def codec_files(a: argparse.Namespace) -> dict[str, str]:
    """{"audio"/"video": file} for the codec files given (see `add_codec_file_arguments`)."""
    return {k: v for k, v in (("audio", a.audio_codec), ("video", a.video_codec)) if v}


def codec_round_trip(model, clip, cfg: AVConfig, streams: str = "both") -> ClipData:
    """A rendered clip through the model's codecs (frames at the codec's size). `streams`
    "video" or "audio" sends only that stream through its codec and keeps the other as
    rendered: which codec sets a metric's ceiling."""
    import torch

    from ..config import STEMS
    if streams not in ROUND_TRIP_STREAMS:
        raise ValueError(f"streams must be one of {ROUND_TRIP_STREAMS}, not {streams!r}")
    ref = ClipData.from_world(clip, cfg)
    frames, stems = ref.frames, ref.stems
    with torch.no_grad():
        if streams != "audio":
            frames = model.decode_video(model.encode_video(rendered_frames(clip), cfg), cfg)[0].clamp(0, 1).numpy()
        if streams != "video":
            audio = model.decode_audio(model.encode_audio(rendered_stems(clip), cfg), cfg)[0]
            stems = {k: audio[i].numpy() for i, k in enumerate(STEMS)}
    return ClipData(frames, stems, cfg.fps, cfg.sample_rate)


def with_codecs(model, codecs: dict[str, str]):
    """`model` with whole codecs (encoder and decoder) replaced by codec files, {"audio" or
    "video": path}: a codec's ceiling, measured before any transformer learns its latents."""
    import torch

    from ..checkpoint import load_into
    from ..codecs import AudioCodec, VideoCodec, codec_config
    from ..config import STEMS
    from ..training.train_codecs import load_codec_checkpoint
    for which, path in codecs.items():
        tensors, meta = load_codec_checkpoint(path, which)
        codec = {"audio": AudioCodec, "video": VideoCodec}[which](codec_config(which, meta["config"]))
        load_into(codec, tensors, "", path)
        setattr(model, f"{which}_codec", codec.eval().requires_grad_(False))
        width = codec.cfg.channels * len(STEMS) if which == "audio" else codec.cfg.latent_dim
        if getattr(model, f"{which}_mean").numel() != width:
            # a latent of another width (pitch channels, say): the round trip encodes and
            # decodes, so the transformer's latent statistics do not apply; unit ones do
            setattr(model, f"{which}_mean", torch.zeros(width))
            setattr(model, f"{which}_std", torch.ones(width))
    return model


def run(checkpoint: str | None, clips_per_family: int, split: str = "heldout", families=None,
        settings=None, reference: bool = False, seed_start: int = 0, seconds: float | None = None,
        progress=None, round_trip: str | None = None, ground_colours: bool = True,
        codecs: dict[str, str] | None = None) -> dict:
    """`settings`: a SamplingSettings (default: the shipped defaults). `round_trip` ("both",
    "video" or "audio"): rendered clips through the checkpoint's codecs (that stream's only)
    instead of generated ones; `codecs` ({"audio"/"video": codec file}) replaces those codecs
    first. `ground_colours`: as `Generator`'s (records say what the model read where it
    differs from the caption)."""
    if codecs and not round_trip:
        raise ValueError("codec files replace a checkpoint's codecs for a codec round trip only")
    families = known_families(families)
    if seed_start + clips_per_family > TRAIN_SEED_BASE:
        raise ValueError(f"seeds must stay below {TRAIN_SEED_BASE} (held out from training)")
    gen = model = None
    if round_trip:
        from ..av_model import TalkieModel
        model = with_codecs(TalkieModel.load(checkpoint), codecs or {})
        cfg = native_clip_config(model, seconds)
    elif not reference:
        from ..pipeline import Generator, SamplingSettings
        gen = Generator.from_checkpoint(checkpoint, ground_colours=ground_colours)
        settings = settings or SamplingSettings()
        cfg = native_clip_config(gen.model, seconds)
    else:
        cfg = AVConfig(seconds=seconds or 4.0)
    records = []
    for fam in families:
        for seed in range(seed_start, seed_start + clips_per_family):
            clip = render_clip(seed, cfg, family=fam, split=split)
            rec = {"seed": seed, "caption": clip.caption}
            if reference:
                data = ClipData.from_world(clip, cfg)
            elif round_trip:
                data = codec_round_trip(model, clip, cfg, round_trip)
            else:
                t0 = time.perf_counter()
                out = gen.generate(clip.caption, seconds=cfg.seconds, fps=cfg.fps, seed=seed, width=cfg.width,
                                   height=cfg.height, settings=settings)
                rec["generation_s"] = time.perf_counter() - t0
                said = gen.said(clip.caption)
                if said != clip.caption:
                    rec["said"] = said
                data = ClipData.from_generated(out)
            rec.update(evaluate_clip(data, clip.scene))
            records.append(rec)
            if progress:
                progress(rec)
    result = aggregate(records)
    result["config"] = {"checkpoint": checkpoint, "split": split, "clips_per_family": clips_per_family,
                        "families": families, "reference": reference, "codec_round_trip": round_trip,
                        "codec_files": codecs or None,
                        "seed_start": seed_start, "ground_colours": ground_colours,
                        "sampling": None if reference or round_trip else _settings_dict(settings), "seconds": cfg.seconds, "fps": cfg.fps,
                        "width": cfg.width, "height": cfg.height}
    result["clips"] = records
    return result


def jsonable(x):
    """Evaluation records as plain JSON: numpy scalars as Python ones, NaN and inf as null."""
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x) if np.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m talkie.models.evaluation.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", help="model to evaluate (not needed with --reference)")
    p.add_argument("--clips-per-family", type=int, default=4)
    p.add_argument("--split", choices=("train", "heldout"), default="heldout",
                   help="caption words: the training synonyms or the held-out paraphrases")
    p.add_argument("--families", nargs="+", default=None, help=f"default: all ({', '.join(FAMILIES)})")
    p.add_argument("--steps", type=int, default=None, help="sampling steps (default: SamplingSettings)")
    p.add_argument("--method", choices=("euler", "heun"), default=None)
    p.add_argument("--video-guidance", type=float, default=None)
    p.add_argument("--audio-guidance", type=float, default=None)
    p.add_argument("--sync-guidance", type=float, default=None)
    p.add_argument("--guidance-parallel", type=float, default=None,
                   help="share of the guidance push kept along the conditional prediction (1 = plain CFG)")
    p.add_argument("--guidance-rescale", type=float, default=None,
                   help="blend toward the guided prediction rescaled to the conditional one's spread (0 = off)")
    p.add_argument("--precision", choices=tuple(PRECISIONS), default="auto",
                   help="the transformer's precision: auto = bf16 where the device computes it natively, else fp32")
    p.add_argument("--long-clips", choices=("windows", "one pass"), default=None,
                   help="how clips longer than the model's window are made (with --seconds)")
    p.add_argument("--reference", action="store_true", help="evaluate the rendered clips (detector calibration)")
    p.add_argument("--codec-round-trip", nargs="?", const="both", default=None, choices=ROUND_TRIP_STREAMS,
                   help="evaluate the rendered clips after the checkpoint's codecs (no transformer); "
                        "'video' or 'audio' sends only that stream through its codec")
    add_codec_file_arguments(p, "with --codec-round-trip: ")
    p.add_argument("--seed-start", type=int, default=0, help="first held-out scene seed")
    p.add_argument("--no-colour-grounding", action="store_true",
                   help="let the model read untrained colour names as they are (the model alone)")
    p.add_argument("--seconds", type=float, default=None,
                   help="clip length (default: the checkpoint's; 4 s with --reference)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--out", required=True, help="results JSON")
    p.add_argument("--markdown", default=None, help="also write a markdown table here")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if not a.reference and not a.checkpoint:
        p.error("--checkpoint is required unless --reference is given")
    if a.reference and a.codec_round_trip:
        p.error("--reference and --codec-round-trip exclude each other")
    codecs = codec_files(a)
    if codecs and not a.codec_round_trip:
        p.error("--audio-codec / --video-codec need --codec-round-trip")
    import torch
    if a.threads:
        torch.set_num_threads(a.threads)

    def progress(r):
        if not a.quiet:
            s = r["sync"]
            print(f"{r['family']:9s} seed {r['seed']:4d}  family={r['family_detected']}  "
                  f"attrs {sum(r['detected'].get(k) == v for k, v in r['expected'].items())}/{len(r['expected'])}"
                  f"  F1 {s.get('f1', float('nan')):.2f}  {r['caption']!r}", flush=True)

    result = run(a.checkpoint, a.clips_per_family, a.split, a.families, _settings_from_args(a), a.reference,
                 a.seed_start, a.seconds, progress, a.codec_round_trip, not a.no_colour_grounding, codecs)
    result["config"]["threads"] = torch.get_num_threads()
    result = jsonable(result)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    md = markdown(result)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(md)
    if not a.quiet:
        print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
