"""The validation-seed reading (200+, 20 paraphrased scenes a family) of the shipped model and
session 36's two candidates, each pooled over its ball and other-family evaluations:
    python docs/results/delta_loudness_s36/validation/table.py"""
import json
import os

from talkie.models.evaluation.aggregate import aggregate

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED = os.path.join(HERE, "../../sync_protected_pitch_s33/val_paraphrases/shipped_all_heldout.json")
READINGS = {"shipped (session 31)": [SHIPPED],
            "video delta 0.5 (2,400 steps)": ["delta_ball.json", "delta_rest.json"],
            "loudness 0.03 (1,200 steps)": ["loud_ball.json", "loud_rest.json"]}


def pooled(paths):
    return aggregate([c for p in paths for c in json.load(open(os.path.join(HERE, p)))["clips"]])


for name, paths in READINGS.items():
    if not all(os.path.exists(os.path.join(HERE, p)) for p in paths):
        continue
    r = pooled(paths)
    o = r["overall"]
    fams = "  ".join(f"{f} {r['families'][f]['sync']['f1']:.3f}" for f in r["families"]
                     if r["families"][f].get("sync", {}).get("f1") is not None)
    print(f"{name:30s} all F1 {o['sync']['f1']:.3f}  adherence {100 * o['attribute_adherence']:.1f} %  "
          f"lip-sync {o['lipsync_lag_ms']:.1f} ms  |  {fams}")
