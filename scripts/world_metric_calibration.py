"""Calibrate the sync metric on rendered Foley-world clips through an H.264/AAC round trip.

For each render size and family: measurable clips (the test's selection), audio shifted by
each injected offset, written to MP4 and read back, then the family's tracker and the
audio onsets are paired (`sync_report`). Prints, per size and family, the worst error of
the median offset over all clips and shifts, the share of reports with F1 = 1, and the
per-event error of the visual events against ground truth.

    python scripts/world_metric_calibration.py [--sizes 64 256] [--clips 6]

The numbers in docs/WORLD.md come from this script."""
from __future__ import annotations

import argparse
import importlib.util
import tempfile
from pathlib import Path

import numpy as np

from talkie.models.config import AVConfig

SHIFTS_MS = (-120, -60, 0, 25, 60, 120)


def _test_helpers():
    # The tracker choice and clip selection live in the test, so the two cannot drift apart.
    path = Path(__file__).resolve().parents[1] / "tests" / "unit" / "test_metrics.py"
    spec = importlib.util.spec_from_file_location("_talkie_test_metrics", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 256])
    ap.add_argument("--clips", type=int, default=6)
    ap.add_argument("--families", nargs="+", default=["ball", "clap", "drum", "keyboard"])
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    t = _test_helpers()
    tmp = Path(tempfile.mkdtemp())
    for size in args.sizes:
        cfg = AVConfig(width=size, height=size)
        for fam in args.families:
            clips = t._measurable_seeds(fam, cfg, args.clips, 0.15 if fam == "keyboard" else 0.3)
            med_err, f1_ok, n_rep, ev_err = [], 0, 0, []
            for clip in clips:
                reps = t._measure_world(tmp, clip, cfg, SHIFTS_MS)
                gt = np.array([e.time for e in clip.events if e.paired])
                for shift, rep in reps.items():
                    n_rep += 1
                    f1_ok += rep.f1 == 1.0 and rep.n_pairs == len(gt)
                    med_err.append(rep.median_offset_ms - shift)
                v = reps[0].visual_times
                ev_err += [1000 * (v[np.argmin(np.abs(v - g))] - g) for g in gt if len(v)]
            med_err, ev_err = np.abs(med_err), np.abs(ev_err)
            print(f"{size:4d} px {fam:9s} clips {len(clips)}  median offset error: max {med_err.max():5.2f} ms, "
                  f"mean {med_err.mean():5.2f} ms  F1=1 in {f1_ok}/{n_rep}  visual event error: "
                  f"median {np.median(ev_err):5.2f} ms, max {ev_err.max():5.2f} ms", flush=True)


if __name__ == "__main__":
    main()
