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
from dataclasses import replace

import torch

from talkie.models.evaluation.clipdata import ClipData
from talkie.models.evaluation.evaluate import evaluate_clip, native_clip_config
from talkie.models.pipeline import Generator, SamplingSettings
from talkie.models.text_encoder import TextEmbedding
from talkie.models.world import render_clip

torch.set_num_threads(1)
mode, fams = sys.argv[1], sys.argv[2:]
gen = Generator.from_checkpoint("checkpoints/talkie-s.safetensors")
cfg = native_clip_config(gen.model)
s = replace(SamplingSettings(), autocast=False)
base = gen.conditioning
for fam in fams:
    for seed in range(200, 220):
        held = render_clip(seed, cfg, family=fam, split="heldout")
        train = render_clip(seed, cfg, family=fam, split="train")
        h, t = gen.text.encode(gen.said(held.caption)), gen.text.encode(gen.said(train.caption))
        mixed = (TextEmbedding(h.tokens, h.mask, t.pooled) if mode == "pooled_from_train"
                 else TextEmbedding(t.tokens, t.mask, h.pooled))
        def cond(prompt, audio_prompt=None, negative="", audio_negative=None, batch=1, mixed=mixed):
            c = base(prompt, audio_prompt, negative, audio_negative, batch)
            return replace(c, video=mixed, audio=mixed)
        gen.conditioning = cond
        out = gen.generate(held.caption, seconds=cfg.seconds, fps=cfg.fps, seed=seed, width=cfg.width,
                           height=cfg.height, settings=s)
        rec = {"seed": seed, "caption": held.caption, "train_caption": train.caption}
        rec.update(evaluate_clip(ClipData.from_generated(out), held.scene))
        print(json.dumps(rec, default=float), flush=True)
