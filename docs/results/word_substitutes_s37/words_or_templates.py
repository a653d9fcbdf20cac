"""Is it the held-out words or the held-out templates that get a paraphrase drawn as another
family? The model generates the validation scenes (seeds 200-219) from captions that take one
from each split:
  heldout_words  held-out synonyms in the training templates (and training rain clauses);
  heldout_templates  training synonyms in the held-out templates (and held-out rain clause).
(The paraphrases themselves, both held out, are the validation run's own clips.)
usage: words_or_templates.py CHECKPOINT MODE FAMILIES... > out.jsonl   (fp32, one thread)"""
import json
import sys
from unittest import mock

from drawn_from_text import DrawnFromText  # this folder
from talkie.models.world import captions, render_clip

checkpoint, mode, families = sys.argv[1], sys.argv[2], sys.argv[3:]
check = DrawnFromText(checkpoint)
# the templates the caption's split would not use, put where it looks for its own
swapped = {f: (held, train) for f, (train, held) in captions.TEMPLATES.items()}
overlay = tuple(reversed(captions.RAIN_OVERLAY))
split = {"heldout_words": "heldout", "heldout_templates": "train"}[mode]
for fam in families:
    for seed in range(200, 220):
        clip = render_clip(seed, check.cfg, family=fam, split=split)  # the scene; its caption is redone below
        with mock.patch.dict(captions.TEMPLATES, swapped), mock.patch.object(captions, "RAIN_OVERLAY", overlay):
            said = render_clip(seed, check.cfg, family=fam, split=split).caption
        rec = {"seed": seed, "caption": said}
        rec.update(check.read(said, clip.scene, seed))
        print(json.dumps(rec, default=float), flush=True)
