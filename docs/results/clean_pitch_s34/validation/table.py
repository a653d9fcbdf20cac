"""The validation-seed reading (200+, 20 paraphrased scenes a family) of the shipped model and
session 34's weights, each pooled over its ball and other-family evaluations:
    python docs/results/clean_pitch_s34/validation/table.py"""
import json
import os

from talkie.models.evaluation.aggregate import aggregate

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED = os.path.join(HERE, "../../sync_protected_pitch_s33/val_paraphrases/shipped_all_heldout.json")
READINGS = {"shipped (session 31)": [SHIPPED],
            "mid-run EMA (step ~6,300)": ["mid_ball.json", "mid_rest_a.json", "mid_rest_b.json"],
            "final (step 7,925)": ["final_ball.json", "final_rest.json"],
            "polished (step 8,825)": ["polished_ball.json", "polished_rest.json"]}


def pooled(paths):
    return aggregate([c for p in paths for c in json.load(open(os.path.join(HERE, p)))["clips"]])


rows = {name: pooled(paths) for name, paths in READINGS.items()}
for name, r in rows.items():
    o = r["overall"]
    fams = "  ".join(f"{f} {r['families'][f]['sync']['f1']:.3f}" for f in r["families"] if r["families"][f].get("sync", {}).get("f1") is not None)
    print(f"{name:27s} all F1 {o['sync']['f1']:.3f}  adherence {100 * o['attribute_adherence']:.1f} %  "
          f"lip-sync {o['lipsync_lag_ms']:.1f} ms  |  {fams}")
