"""Validation scenes (200-219) drawn as their own family, per text the model read (swap.py,
words_or_templates.py):
    python docs/results/word_substitutes_s37/swap_table.py"""
import collections
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED = os.path.join(HERE, "../sync_protected_pitch_s33/val_paraphrases/shipped_all_heldout.json")
FAMILIES = ("ball", "clap", "face", "glass", "storm")


def read_right(records):
    right = collections.Counter()
    for r in records:
        right[r["family"]] += r["family_detected"] == r["family"]
    return right


rows = {"paraphrase, both inputs (shipped, validation)": json.load(open(SHIPPED))["clips"]}
for mode in ("heldout_words", "heldout_templates", "pooled_from_train", "tokens_from_train"):
    rows[mode] = [json.loads(line) for line in open(os.path.join(HERE, f"{mode}.jsonl"))]
for name, records in rows.items():
    right = read_right(records)
    print(f"{name:46s}", "  ".join(f"{f} {right[f]}/20" for f in FAMILIES))
