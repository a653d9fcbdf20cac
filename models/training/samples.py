"""Periodic samples of a joint-training run, read by the project's own sync metric.

Each time the run saves, the model just written generates one held-out scene per chosen
family (evaluation seed `seed`, in-grammar caption; seeds below the training range are never
rendered for training), and each clip is measured against the scene's known event times, so
a run shows how its sync moves, not only its loss. With PyAV installed the clips are also
written as MP4s to look at and listen to."""
from __future__ import annotations

import json
import os

SAMPLE_SIZE = (256, 256)  # as `talkie generate` writes them


def parse_sample_families(text: str) -> list[str]:
    """"ball,clap" -> those families; "none" -> no samples. Unknown names are an error."""
    from ..world import FAMILIES

    if text.strip().lower() == "none":
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(FAMILIES))
    if unknown or not names:
        raise ValueError(f"--samples: {text!r} is not 'none' or FAMILY,... with FAMILY one of {sorted(FAMILIES)}")
    return names


def write_samples(model_path: str, out_dir: str, step: int, families: list[str], seed: int = 0) -> list[dict]:
    """Generate and measure one clip per family with the model at `model_path`; appends a
    line per clip to OUT_DIR/samples.jsonl and writes OUT_DIR/samples/step{step}_{family}.mp4
    where PyAV is available. Returns the lines."""
    from ..evaluation.clipdata import ClipData
    from ..evaluation.evaluate import evaluate_clip, jsonable, native_clip_config
    from ..pipeline import Generator
    from ..world import render_clip

    try:
        from ..media import write_av_mp4
    except ImportError:  # a training host without PyAV still gets the measurements
        write_av_mp4 = None
    gen = Generator.from_checkpoint(model_path)
    cfg = native_clip_config(gen.model)
    folder = os.path.join(out_dir, "samples")
    lines = []
    for fam in families:
        clip = render_clip(seed, cfg, family=fam, split="train")
        out = gen.generate(clip.caption, seconds=cfg.seconds, fps=cfg.fps, seed=seed, width=cfg.width,
                           height=cfg.height)
        rec = evaluate_clip(ClipData.from_generated(out), clip.scene)
        path = None
        if write_av_mp4 is not None:
            os.makedirs(folder, exist_ok=True)
            path = write_av_mp4(os.path.join(folder, f"step{step}_{fam}.mp4"), out.frames[0], out.mix[0], out.fps,
                                out.sample_rate, metadata={"talkie": json.dumps({"prompt": clip.caption, "seed": seed,
                                                                                  "step": step})},
                                size=SAMPLE_SIZE)
        lines.append(jsonable({"step": step, "family": fam, "seed": seed, "caption": clip.caption,
                                "mp4": os.path.relpath(path, out_dir) if path else None, **rec}))
    with open(os.path.join(out_dir, "samples.jsonl"), "a") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")
    return lines
