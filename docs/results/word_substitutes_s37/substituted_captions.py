"""Did a model learn the substituted words? It generates the validation scenes (seeds 200-219)
from their training-grammar captions with every word that has substitutes said by one
(word_substitutes at chance 1), and the family detector reads what it drew.
usage: substituted_captions.py CHECKPOINT FAMILIES... > out.jsonl   (fp32, one thread)"""
import json
import sys
from dataclasses import replace

import numpy as np
import torch

from talkie.models.evaluation.clipdata import ClipData
from talkie.models.evaluation.evaluate import evaluate_clip, native_clip_config
from talkie.models.pipeline import Generator, SamplingSettings
from talkie.models.world import caption, render_clip

torch.set_num_threads(1)
checkpoint, families = sys.argv[1], sys.argv[2:]
gen = Generator.from_checkpoint(checkpoint)
cfg = native_clip_config(gen.model)
settings = replace(SamplingSettings(), autocast=False)
for fam in families:
    for seed in range(200, 220):
        clip = render_clip(seed, cfg, family=fam, split="train")
        said = caption(clip.scene, np.random.default_rng([seed, 0x5B]), "train", 0.0, 1.0)
        out = gen.generate(said, seconds=cfg.seconds, fps=cfg.fps, seed=seed, width=cfg.width, height=cfg.height,
                           settings=settings)
        rec = {"seed": seed, "caption": said}
        rec.update(evaluate_clip(ClipData.from_generated(out), clip.scene))
        print(json.dumps(rec, default=float), flush=True)
