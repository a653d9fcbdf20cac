"""Per-clip evaluation records -> per-family and overall numbers, and a markdown table.

Sync numbers pool the matched pairs of all clips of a family (median |offset|, share inside
the [-15, +45] ms window) and their event counts (F1 = 2PR/(P+R) with P = matched / audio
onsets and R = matched / visual events). An undecidable attribute (detector answered None)
counts as not adhered to.
"""
from __future__ import annotations

import numpy as np

WINDOW_MS = (-15.0, 45.0)
SYNC_FAMILIES = ("ball", "clap", "drum", "keyboard", "face", "glass")


def _num(v):
    return None if v is None or not np.isfinite(v) else float(v)


def _sync(records: list[dict]) -> dict:
    offs = np.array([o for r in records for o in r["sync"].get("offsets_ms", [])], np.float64)
    matched = sum(r["sync"].get("n_matched", 0) for r in records)
    n_a = sum(r["sync"].get("n_audio", 0) for r in records)
    n_v = sum(r["sync"].get("n_visual", 0) for r in records)
    p = matched / n_a if n_a else 0.0
    rc = matched / n_v if n_v else 0.0
    return {
        "n_pairs": int(len(offs)),
        "median_abs_offset_ms": _num(np.median(np.abs(offs))) if len(offs) else None,
        "median_offset_ms": _num(np.median(offs)) if len(offs) else None,
        "share_in_window": float(np.mean((offs >= WINDOW_MS[0]) & (offs <= WINDOW_MS[1]))) if len(offs) else 0.0,
        "precision": p, "recall": rc, "f1": 2 * p * rc / (p + rc) if p + rc > 0 else 0.0,
    }


def _attributes(records: list[dict], prefix: bool) -> dict:
    hits: dict[str, list[bool]] = {}
    for r in records:
        for k, want in r["expected"].items():
            name = f"{r['family']}.{k}" if prefix else k
            hits.setdefault(name, []).append(r["detected"].get(k) == want)
    return {k: float(np.mean(v)) for k, v in sorted(hits.items())}


def _summary(records: list[dict], prefix: bool) -> dict:
    checks = [r["detected"].get(k) == v for r in records for k, v in r["expected"].items()]
    balls = [r for r in records if r["family"] == "ball"]
    frames = [f for r in balls for f in r["coherent_frames"]]
    lags = [r["sync"]["lipsync_lag_ms"] for r in records if r["sync"].get("lipsync_lag_ms") is not None]
    gen = [r["generation_s"] for r in records if r.get("generation_s") is not None]
    out = {"n_clips": len(records),
           "family_accuracy": float(np.mean([r["family_detected"] == r["family"] for r in records])),
           "attribute_adherence": float(np.mean(checks)) if checks else None,
           "attributes": _attributes(records, prefix),
           "visible_coherent_frames": float(np.mean(frames)) if frames else None,
           "colour_match": float(np.mean([r["detected"].get("colour") == r["expected"]["colour"]
                                          for r in balls])) if balls else None,
           "lipsync_lag_ms": _num(np.median(lags)) if lags else None,
           "mean_generation_s": float(np.mean(gen)) if gen else None}
    synced = [r for r in records if r["family"] in SYNC_FAMILIES]
    if synced:
        out["sync"] = _sync(synced)
    delays = [d for r in records for d in r["sync"].get("thunder_delays_ms", [])]
    if delays:
        out["thunder_delays_ms"] = [round(d, 1) for d in delays]
    return out


def aggregate(records: list[dict]) -> dict:
    fams = sorted({r["family"] for r in records})
    return {"families": {f: _summary([r for r in records if r["family"] == f], False) for f in fams},
            "overall": _summary(records, True)}


def _pct(v):
    return "–" if v is None else f"{100 * v:.0f}%"


def _ms(v):
    return "–" if v is None else f"{v:.1f}"


def markdown(result: dict) -> str:
    cfg = result["config"]
    if cfg["reference"]:
        mode = "rendered reference clips (detector calibration)"
    elif cfg.get("codec_round_trip"):
        rt = cfg["codec_round_trip"]
        which = "codecs" if rt in (True, "both") else f"{rt} codec only (the {'audio' if rt == 'video' else 'video'} as rendered)"
        mode = f"rendered clips through the {which} of `{cfg['checkpoint']}` (no transformer)"
        if cfg.get("codec_files"):
            mode += ", with " + " and ".join(f"the {k} codec of `{v}`" for k, v in cfg["codec_files"].items())
    else:
        mode = "`{checkpoint}`, {method} {steps} steps, guidance video {video_guidance:g} / audio {audio_guidance:g} / " \
            "sync {sync_guidance:g}".format(checkpoint=cfg["checkpoint"], **cfg["sampling"])
    lines = [f"Evaluation on {mode}: {cfg['clips_per_family']} held-out scene(s) per family "
             f"(seeds {cfg['seed_start']}..), `{cfg['split']}` captions, {cfg['seconds']:g} s at "
             f"{cfg['fps']:g} fps.", "",
             "| family | clips | family detected | median \\|offset\\| ms | in [-15,+45] ms | event F1 | "
             "lip-sync lag ms | attributes | visible & coherent | colour |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    rows = list(result["families"].items()) + [("**all**", result["overall"])]
    for name, s in rows:
        sy = s.get("sync", {})
        f1 = f"{sy['f1']:.2f}" if sy else "–"
        lines.append(f"| {name} | {s['n_clips']} | {_pct(s['family_accuracy'])} | "
                     f"{_ms(sy.get('median_abs_offset_ms'))} | {_pct(sy.get('share_in_window')) if sy else '–'} | "
                     f"{f1} | {_ms(s['lipsync_lag_ms'])} | "
                     f"{_pct(s['attribute_adherence'])} | {_pct(s['visible_coherent_frames'])} | "
                     f"{_pct(s['colour_match'])} |")
    lines += ["", "| attribute | correct |", "|---|---|"]
    lines += [f"| {k} | {_pct(v)} |" for k, v in result["overall"]["attributes"].items()]
    g = result["overall"]["mean_generation_s"]
    if g is not None:
        lines += ["", f"Mean generation time per {cfg['seconds']:g} s clip: {g:.2f} s "
                      f"({cfg.get('threads', '?')} CPU thread(s), {cfg.get('device', 'cpu')})."]
    return "\n".join(lines) + "\n"
