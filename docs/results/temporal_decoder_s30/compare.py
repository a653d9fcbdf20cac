import json, sys
dirs = sys.argv[1:]
def load(d, n): return json.load(open(f"{d}/{n}.json"))
for split in ("heldout", "train"):
    print(f"== {split}")
    rows = {}
    for d in dirs:
        b, a = load(d, f"test_ball_{split}")["overall"], load(d, f"test_all_{split}")
        o = a["overall"]
        r = {"ball vis": b["visible_coherent_frames"], "ball colour": b["colour_match"],
             "ball F1": b["sync"]["f1"], "ball inside": b["sync"]["share_in_window"], "ball med": b["sync"]["median_abs_offset_ms"],
             "all F1": o["sync"]["f1"], "all inside": o["sync"]["share_in_window"], "all med": o["sync"]["median_abs_offset_ms"],
             "lipsync": o["lipsync_lag_ms"], "adherence": o["attribute_adherence"], "family acc": o["family_accuracy"]}
        for fam, v in a["families"].items():
            r[f"F1 {fam}"] = (v.get("sync") or {}).get("f1")
            r[f"adh {fam}"] = v["attribute_adherence"]
        for k, v in o["attributes"].items():
            r[f"  {k}"] = v
        rows[d] = r
    for k in rows[dirs[0]]:
        print(f"{k:26s}", "  ".join(f"{rows[d].get(k):8.3f}" if isinstance(rows[d].get(k), (int, float)) else f"{str(rows[d].get(k)):>8s}" for d in dirs))
