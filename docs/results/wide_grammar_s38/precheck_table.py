"""The pre-check's reading: on the validation scenes (seeds 200-219), how many the shipped model
draws as their own family from captions of the wider grammar (wide_shipped_*.jsonl, made by
wide_captions_read.py) beside the held-out paraphrases of the same scenes, and every misread.
    python docs/results/wide_grammar_s38/precheck_table.py"""
import glob
import json
import os
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
PARAPHRASES = os.path.join(HERE, "../sync_protected_pitch_s33/val_paraphrases/shipped_all_heldout.json")

wide = [json.loads(line) for f in sorted(glob.glob(os.path.join(HERE, "wide_shipped_*.jsonl"))) for line in open(f)]
para = [c for c in json.load(open(PARAPHRASES))["clips"] if 200 <= c["seed"] < 220]
right = lambda clips: Counter(c["family"] for c in clips if c["family_detected"] == c["family"])  # noqa: E731
total = lambda clips: Counter(c["family"] for c in clips)  # noqa: E731
rw, tw, rp, tp = right(wide), total(wide), right(para), total(para)
print(f"{'family':9s} {'wider grammar':>14s} {'paraphrases':>12s}")
for fam in sorted(tw):
    print(f"{fam:9s} {rw[fam]:>9d} / {tw[fam]:<3d} {rp[fam]:>7d} / {tp[fam]:<3d}")
print(f"{'all':9s} {sum(rw.values()):>9d} / {sum(tw.values()):<3d} {sum(rp.values()):>7d} / {sum(tp.values()):<3d}")
print("\nwider-grammar captions drawn as another family:")
for c in sorted(wide, key=lambda c: (c["family"], c["seed"])):
    if c["family_detected"] != c["family"]:
        print(f"  {c['family']:8s} -> {str(c['family_detected']):8s} {c['caption']}")
