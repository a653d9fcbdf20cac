"""Session 25: the candidate's readings beside the shipped model's on the same scenes (both
fp32; the shipped model's files are sessions 23-24's). Run from the repository root:
    python docs/results/decoder_level_s25/compare.py"""
import json

D = "docs/results/decoder_level_s25/"
PAIRS = [("in-grammar, all families (seeds 0-19)", "docs/results/video_guidance_s23/test_all_train_vg1.5.json",
          D + "test_all_train.json"),
         ("paraphrases, all families (seeds 0-19)", "docs/results/colour_copula_s24/test_all_heldout.json",
          D + "test_all_heldout.json"),
         ("in-grammar, ball (seeds 0-59)", "docs/results/video_guidance_s23/test_ball_train_vg1.5.json",
          D + "test_ball_train.json"),
         ("paraphrases, ball (seeds 0-59)", "docs/results/colour_copula_s24/test_ball_heldout.json",
          D + "test_ball_heldout.json")]


def row(o):
    s = o["sync"]
    return {"adherence %": 100 * o["attribute_adherence"], "family %": 100 * o["family_accuracy"],
            "event F1": s["f1"], "inside %": 100 * s["share_in_window"], "median ms": s["median_abs_offset_ms"],
            "lip-sync ms": o.get("lipsync_lag_ms"), "visible %": 100 * (o.get("visible_coherent_frames") or 0),
            "colour %": 100 * (o.get("colour_match") or 0)}


for name, before, after in PAIRS:
    a, b = json.load(open(before)), json.load(open(after))
    print(f"## {name}")
    ra, rb = row(a["overall"]), row(b["overall"])
    for k in ra:
        if ra[k] is not None:
            print(f"  {k:12s} {ra[k]:8.3f} -> {rb[k]:8.3f}")
    for fam in a["families"]:
        sa, sb = a["families"][fam].get("sync"), b["families"][fam].get("sync")
        if sa and sa.get("f1") is not None:
            print(f"  {fam:9s} F1 {sa['f1']:.3f} -> {sb['f1']:.3f}   inside {sa['share_in_window']:.3f} -> "
                  f"{sb['share_in_window']:.3f}   median {sa['median_abs_offset_ms']:.1f} -> {sb['median_abs_offset_ms']:.1f}")
    for att, va in a["overall"]["attributes"].items():
        vb = b["overall"]["attributes"].get(att)
        if vb is not None and abs(va - vb) > 1e-9:
            print(f"  {att:24s} {100 * va:5.1f} -> {100 * vb:5.1f} %")
