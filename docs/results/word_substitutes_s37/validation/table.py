"""The validation-seed reading (200+, 20 paraphrased scenes a family) of the shipped model and
session 37's candidate, each pooled over its evaluations, with the scenes drawn as their own
family, the substituted-caption check (substituted_captions.py) and the blanked one
(blanked_family_words.py):
    python docs/results/word_substitutes_s37/validation/table.py"""
import collections
import json
import os

from talkie.models.evaluation.aggregate import aggregate

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED = os.path.join(HERE, "../../sync_protected_pitch_s33/val_paraphrases/shipped_all_heldout.json")
READINGS = {"shipped (session 31)": [SHIPPED],
            "word substitutes 0.25 (2,000 steps)": ["subs_ball.json", "subs_rest.json"]}
SUBSTITUTED = {"shipped (session 31)": "../substituted_shipped.jsonl",
               "word substitutes 0.25 (2,000 steps)": "../substituted_candidate.jsonl"}


def own_family(clips):
    right = collections.Counter(c["family"] for c in clips if c["family_detected"] == c["family"])
    return f"{sum(right.values())} of {len(clips)} (" + ", ".join(f"{f} {right[f]}" for f in sorted(right)) + ")"


FAMILY_F1 = ("ball", "clap", "drum", "face", "glass", "keyboard")
print("| validation (200+, paraphrases) | all-family F1 | adherence | " + " | ".join(FAMILY_F1)
      + " | lip-sync | drawn as their family | substituted captions drawn as their family |")
for name, paths in READINGS.items():
    clips = [c for p in paths for c in json.load(open(os.path.join(HERE, p)))["clips"]]
    summary = aggregate(clips)
    f1 = [f"{summary['families'][f]['sync']['f1']:.3f}" for f in FAMILY_F1]
    sub = [json.loads(line) for line in open(os.path.join(HERE, SUBSTITUTED[name]))]
    cells = [name, f"{summary['overall']['sync']['f1']:.3f}", f"{100 * summary['overall']['attribute_adherence']:.1f} %",
             *f1, f"{summary['overall']['lipsync_lag_ms']:.1f} ms", own_family(clips), own_family(sub)]
    print("| " + " | ".join(cells) + " |")
blanked = [json.loads(line) for line in open(os.path.join(HERE, "../blanked_shipped.jsonl"))]
print(f"\nshipped, training captions with every family word hidden from cross-attention "
      f"(blanked_family_words.py): {own_family(blanked)} drawn as their family")
