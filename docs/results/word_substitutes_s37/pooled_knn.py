"""How well MiniLM's sentence embedding alone tells the scene family of a held-out (paraphrased)
caption: each of 60 held-out captions a family goes to the family of its nearest training
captions (300 a family), by cosine of the normalised mean of MiniLM's token states.
    python docs/results/word_substitutes_s37/pooled_knn.py > docs/results/word_substitutes_s37/pooled_knn.txt"""
import collections

import numpy as np
import torch

from talkie.models.text_encoder import TextEncoder
from talkie.models.world import FAMILIES, sample_scene
from talkie.models.world.captions import caption

FAMS = sorted(FAMILIES)


def captions(split, n, seed):
    out = []
    for i, fam in enumerate(FAMS):
        for j in range(n):
            rng = np.random.default_rng([seed, j, i])
            out.append((fam, caption(sample_scene(rng, fam), rng, split)))
    return out


te = TextEncoder()
train, held = captions("train", 300, 1), captions("heldout", 60, 2)
train_emb = torch.cat([te.encode(t).pooled for _, t in train])
held_emb = torch.cat([te.encode(t).pooled for _, t in held])
train_fam, held_fam = np.array([f for f, _ in train]), np.array([f for f, _ in held])
sims = held_emb @ train_emb.T
for k in (1, 10):
    idx = sims.topk(k, dim=1).indices.numpy()
    pred = np.array([collections.Counter(train_fam[r]).most_common(1)[0][0] for r in idx])
    per = "  ".join(f"{f} {np.mean(pred[held_fam == f] == f):.2f}" for f in FAMS)
    print(f"nearest {k:2d}: {np.mean(pred == held_fam):.3f} of held-out captions read as their family | {per}")
