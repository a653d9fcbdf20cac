"""Session 27: the unmatched ("phantom") effects onsets of generated ball clips, by how far
each rises (the onset detector's strength, dB over the last 20 ms): a ring that wobbles gives
weak ones, a sound the picture does not show gives strong ones. An onset counts as matched
when a contact lies within 45 ms of it (plain nearest contact, not the sync metric's one-to-one
pairing around the median offset: a diagnostic, not the metric). Held-out ball scenes 0..N-1,
the default sampler, one thread. Run from the repository root:
    python docs/results/onset_flux_s27/phantom_strengths.py CHECKPOINT [N]"""
import sys

import numpy as np
import torch

from talkie.models.evaluation.clipdata import ClipData
from talkie.models.evaluation.evaluate import native_clip_config
from talkie.models.evaluation.sync_eval import BALL_ONSETS, ball_contacts
from talkie.models.metrics import detect_onsets
from talkie.models.metrics.onsets import REFRACTORY_S
from talkie.models.metrics.pairing import at_resolution
from talkie.models.pipeline import Generator, SamplingSettings
from talkie.models.world import render_clip

WEAK_DB = 8.0   # weak: 95 % of the matched bounces on these clips rise 12 dB or more
WINDOW_S = 0.045

torch.set_num_threads(1)
gen = Generator.from_checkpoint(sys.argv[1])
cfg = native_clip_config(gen.model)
counts = {"matched": 0, "weak": 0, "strong": 0}
for seed in range(int(sys.argv[2]) if len(sys.argv) > 2 else 24):
    clip = render_clip(seed, cfg, family="ball", split="heldout")
    out = gen.generate(clip.caption, seconds=cfg.seconds, fps=cfg.fps, seed=seed, width=cfg.width,
                       height=cfg.height, settings=SamplingSettings())
    d = ClipData.from_generated(out)
    on = detect_onsets(d.audio("effects"), d.sr, **BALL_ONSETS)
    contacts = at_resolution(ball_contacts(d, clip.scene.get("count")), REFRACTORY_S)
    weak = []
    for t, s in zip(on.times, on.strengths):
        if len(contacts) and np.abs(contacts - t).min() <= WINDOW_S:
            counts["matched"] += 1
        elif s < WEAK_DB:
            counts["weak"] += 1
            weak.append(f"{t:.2f} s ({s:.1f} dB)")
        else:
            counts["strong"] += 1
    print(seed, f"{len(on.times)} onsets, {len(contacts)} contacts; weak phantoms: {', '.join(weak) or '-'}", flush=True)
print("onsets matched {matched}, phantoms weak (< 8 dB rise) {weak}, strong {strong}".format(**counts))
