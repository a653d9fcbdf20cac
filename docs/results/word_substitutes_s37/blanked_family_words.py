"""A check for the next try (not a training run): would captions whose grammar family words are
hidden from cross-attention be hard examples? The model generates the validation scenes (seeds
200-219) from their training-grammar captions with the MiniLM state of every family word (the
training words of word_substitutes.IDENTITY_KEYS that are not attribute words) replaced by the
mean state of the caption's other tokens, as text_augment's colour-word blanking does for
colour names; the sentence embedding is left as it was. The family detector reads what it drew.
usage: blanked_family_words.py CHECKPOINT FAMILIES... > out.jsonl   (fp32, one thread)"""
import json
import re
import sys

import torch

from drawn_from_text import DrawnFromText  # this folder
from talkie.models.text_encoder import MINILM_DIM, TextEmbedding
from talkie.models.world import render_clip
from talkie.models.world.captions import split_words
from talkie.models.world.word_substitutes import IDENTITY_KEYS, STOPWORDS, attribute_words

FAMILY_WORDS = split_words("train", IDENTITY_KEYS) - STOPWORDS - attribute_words()


def blanked(gen, text):
    emb = gen.text.encode(text)
    offsets = gen.text.tokenizer.encode(text).offsets
    spans = [m.span() for m in re.finditer(r"[a-z]+", text) if m.group(0) in FAMILY_WORDS]
    hide = torch.tensor([any(a < e and b > s for s, e in spans) for a, b in offsets])
    tokens = emb.tokens.clone()
    keep = emb.mask[0] & ~hide
    tokens[0, hide, :MINILM_DIM] = tokens[0, keep, :MINILM_DIM].mean(0)
    return TextEmbedding(tokens, emb.mask, emb.pooled), [text[s:e] for s, e in spans]


checkpoint, families = sys.argv[1], sys.argv[2:]
check = DrawnFromText(checkpoint)
for fam in families:
    for seed in range(200, 220):
        clip = render_clip(seed, check.cfg, family=fam, split="train")
        said = check.gen.said(clip.caption)
        text, hidden = blanked(check.gen, said)
        rec = {"seed": seed, "caption": said, "hidden": hidden}
        rec.update(check.read(said, clip.scene, seed, text))
        print(json.dumps(rec, default=float), flush=True)
