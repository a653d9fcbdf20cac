"""Pre-check before training on the wider grammar: are its captions hard for a model? It
generates the validation scenes (seeds 200-219) from captions drawn wholly from the wider
grammar (models/world/wide_captions.py, wide_p 1), and the family detector reads what it drew.
Training on captions the model already reads right teaches nothing (session 37's substitutes).
The committed wide_*.jsonl were read with the grammar session 38 trained on (c73429d); with
the later one the same command says some captions otherwise.
usage (session 37's shared generation check on the path):
  PYTHONPATH=docs/results/word_substitutes_s37 python docs/results/wide_grammar_s38/wide_captions_read.py \
      CHECKPOINT FAMILIES... > out.jsonl   (fp32, one thread)"""
import json
import sys

import numpy as np

from drawn_from_text import DrawnFromText
from talkie.models.world import caption, render_clip

checkpoint, families = sys.argv[1], sys.argv[2:]
check = DrawnFromText(checkpoint)
for fam in families:
    for seed in range(200, 220):
        clip = render_clip(seed, check.cfg, family=fam, split="train")
        said = caption(clip.scene, np.random.default_rng([seed, 0x31DE]), "train", wide_p=1.0)
        rec = {"seed": seed, "caption": said}
        rec.update(check.read(said, clip.scene, seed))
        print(json.dumps(rec, default=float), flush=True)
