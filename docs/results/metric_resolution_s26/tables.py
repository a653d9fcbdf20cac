"""Event F1 pooled over the clips of each group, from `evaluate --out` files: per family,
the ball's two-ball scenes apart, and the ball with and without a rain clause.

    python docs/results/metric_resolution_s26/tables.py A.json [B.json ...]
"""
import json
import sys


def pooled(clips):
    v = sum(c["sync"]["n_visual"] for c in clips)
    a = sum(c["sync"]["n_audio"] for c in clips)
    m = sum(c["sync"]["n_matched"] for c in clips)
    return {"clips": len(clips), "precision": round(m / a, 3) if a else None,
            "recall": round(m / v, 3) if v else None, "f1": round(2 * m / (a + v), 3) if a + v else None}


def groups(clips):
    timed = [c for c in clips if "n_visual" in c.get("sync", {})]
    out = {fam: pooled([c for c in timed if c["family"] == fam]) for fam in dict.fromkeys(c["family"] for c in timed)}
    balls = [c for c in timed if c["family"] == "ball"]
    if balls:
        out["ball, two balls"] = pooled([c for c in balls if c["expected"]["count"] == 2])
        out["ball, rain clause"] = pooled([c for c in balls if "rain_surface" in c["expected"]])
        out["ball, no rain"] = pooled([c for c in balls if "rain_surface" not in c["expected"]])
    return out


for path in sys.argv[1:]:
    d = json.load(open(path))
    s = d["overall"]["sync"]
    print(f"{path}: all F1 {s['f1']:.3f}, inside {100 * s['share_in_window']:.1f} %, "
          f"median |offset| {s['median_abs_offset_ms']:.2f} ms")
    for name, g in groups(d["clips"]).items():
        print(f"  {name:18s} {g}")
