"""Did a model learn the substituted words? It generates the validation scenes (seeds 200-219)
from their training-grammar captions with every word that has substitutes said by one
(word_substitutes at chance 1), and the family detector reads what it drew.
usage: substituted_captions.py CHECKPOINT FAMILIES... > out.jsonl   (fp32, one thread)"""
import json
import sys

import numpy as np

from drawn_from_text import DrawnFromText  # this folder
from talkie.models.world import caption, render_clip

checkpoint, families = sys.argv[1], sys.argv[2:]
check = DrawnFromText(checkpoint)
for fam in families:
    for seed in range(200, 220):
        clip = render_clip(seed, check.cfg, family=fam, split="train")
        said = caption(clip.scene, np.random.default_rng([seed, 0x5B]), "train", 0.0, 1.0)
        rec = {"seed": seed, "caption": said}
        rec.update(check.read(said, clip.scene, seed))
        print(json.dumps(rec, default=float), flush=True)
