"""What the glass sync measurement sees, clip by clip (session 35).

`sync_eval.glass_event` pairs the frame of the largest rise of the generic curve (max of the
brightness and motion-energy rises) with the loudest effects onset. For 20 paraphrased glass
scenes this prints, per clip, the loudest onsets, the three largest curve frames (B brightness,
M motion; values in 1e-3 of mean luma) and the curve's largest value in the frames around the
loudest onset, then three summaries: how often the argmax lies within 100 ms of the loudest
onset, how often it lies on an even frame (the first frame of a video latent, i.e. just after a
seam between two latents), and how much louder the loudest onset is than the second.

    python docs/results/glass_polish_s35/glass_tracker.py CHECKPOINT generate|world|roundtrip \
        [--seed-start S] [--clips N] [--audio-guidance G] [--sync-guidance G]

generate: the model's clips from the scenes' paraphrased captions (the sampler's defaults
unless a guidance scale is given); world: the rendered scenes; roundtrip: the rendered scenes
through the video codec only."""
import argparse
import dataclasses

import numpy as np
import torch

from talkie.models.av_model import TalkieModel
from talkie.models.evaluation.clipdata import ClipData
from talkie.models.evaluation.evaluate import codec_round_trip, native_clip_config
from talkie.models.evaluation.sync_eval import glass_event, onset_peaks
from talkie.models.metrics.visual_events import brightness_curve, motion_curve
from talkie.models.pipeline import Generator, SamplingSettings
from talkie.models.world import render_clip


def clip_data(mode, seed, cfg, gen=None, model=None, settings=None):
    clip = render_clip(seed, cfg, family="glass", split="heldout")
    if mode == "world":
        return ClipData.from_world(clip, cfg)
    if mode == "roundtrip":
        return codec_round_trip(model, clip, cfg, "video")
    out = gen.generate(clip.caption, seconds=cfg.seconds, fps=cfg.fps, seed=seed, width=cfg.width,
                       height=cfg.height, settings=settings)
    return ClipData.from_generated(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint")
    p.add_argument("mode", choices=("generate", "world", "roundtrip"))
    p.add_argument("--seed-start", type=int, default=0)
    p.add_argument("--clips", type=int, default=20)
    p.add_argument("--audio-guidance", type=float, default=None)
    p.add_argument("--sync-guidance", type=float, default=None)
    a = p.parse_args()
    checkpoint, mode, start, n = a.checkpoint, a.mode, a.seed_start, a.clips
    settings = SamplingSettings()
    changes = {k: v for k, v in (("audio", a.audio_guidance), ("sync", a.sync_guidance)) if v is not None}
    settings.guidance = dataclasses.replace(settings.guidance, **changes)
    torch.set_num_threads(1)
    gen = model = None
    if mode == "generate":
        gen = Generator.from_checkpoint(checkpoint)
        cfg = native_clip_config(gen.model)
    else:
        model = TalkieModel.load(checkpoint)
        cfg = native_clip_config(model)
    matched = even = 0
    dominance = []
    for seed in range(start, start + n):
        c = clip_data(mode, seed, cfg, gen, model, settings)
        b, m = brightness_curve(c.frames), motion_curve(c.frames)
        curve = np.maximum(b, m)                     # generic_curve, kept in parts for the B/M label
        visual, audio = glass_event(c)               # the metric's own pairing
        if len(audio) == 0:
            print(f"seed {seed:3d}: no glass event (no effects onset, or a still picture)")
            continue
        onsets = c.onsets("effects")
        loud = onset_peaks(c, "effects", onsets)
        t_audio = float(audio[0])
        frame_audio = t_audio * c.fps + 0.5          # glass_event reports frame f at (f - 0.5) / fps
        near = curve[max(0, int(round(frame_audio)) - 1):int(round(frame_audio)) + 3]
        top = np.argsort(curve)[::-1][:3]
        ok = abs(t_audio - float(visual[0])) <= 0.1
        matched += ok
        even += top[0] % 2 == 0
        ranked = np.sort(loud)[::-1]
        dominance.append(ranked[0] / ranked[1] if len(ranked) > 1 and ranked[1] > 0 else np.inf)
        frames = ", ".join(f"{f}:{curve[f] * 1e3:.1f}{'B' if b[f] >= m[f] else 'M'}" for f in top)
        print(f"seed {seed:3d}: loudest onset {t_audio:.3f} s (frame {frame_audio:.1f}; {len(onsets)} onsets, "
              f"loudest {ranked[:3].round(2)}) | largest curve frames {frames} | around the onset "
              f"{near.max(initial=0.0) * 1e3:.1f}{'  MATCH' if ok else ''}")
    print(f"argmax within 100 ms of the loudest onset: {matched} of {n}; on an even frame: {even} of {n}; "
          f"loudest / second-loudest onset, median {np.median(dominance):.2f}")


if __name__ == "__main__":
    main()
