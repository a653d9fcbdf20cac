"""Which text path decides the scene family on paraphrases? The shipped model generates the
held-out (paraphrased) scenes of validation seeds 200-219 with one of its two text inputs taken
from the same scene's training-grammar caption:
  pooled_from_train  the paraphrase's tokens (cross-attention), the training caption's
                     sentence embedding (adaLN);
  tokens_from_train  the training caption's tokens, the paraphrase's sentence embedding.
usage (from the repository root, fp32, one thread):
    python docs/results/word_substitutes_s37/swap.py MODE glass storm face clap ball \
        > docs/results/word_substitutes_s37/MODE.jsonl
then swap_table.py reads both against the shipped model's own validation clips."""
import json
import sys

from drawn_from_text import DrawnFromText  # this folder
from talkie.models.text_encoder import TextEmbedding
from talkie.models.world import render_clip

mode, families = sys.argv[1], sys.argv[2:]
check = DrawnFromText("checkpoints/talkie-s.safetensors")
gen = check.gen
for fam in families:
    for seed in range(200, 220):
        held = render_clip(seed, check.cfg, family=fam, split="heldout")
        train = render_clip(seed, check.cfg, family=fam, split="train")
        h, t = gen.text.encode(gen.said(held.caption)), gen.text.encode(gen.said(train.caption))
        mixed = (TextEmbedding(h.tokens, h.mask, t.pooled) if mode == "pooled_from_train"
                 else TextEmbedding(t.tokens, t.mask, h.pooled))
        rec = {"seed": seed, "caption": held.caption, "train_caption": train.caption}
        rec.update(check.read(held.caption, held.scene, seed, mixed))
        print(json.dumps(rec, default=float), flush=True)
