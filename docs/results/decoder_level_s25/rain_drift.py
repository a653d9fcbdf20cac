"""Session 25: 64 s rain extensions (4 s windows), per-window ambience level in dB and its
drift, for one checkpoint. The six clips of session 24 (docs/results/extension_drift_s24/):
the modes benchmark's clip (held-out seed 0), held-out seed 2, in-grammar seeds 0, 1, 3, 5.
Run from the repository root:
    python docs/results/decoder_level_s25/rain_drift.py CHECKPOINT"""
import importlib.util
import sys

import numpy as np
import torch

spec = importlib.util.spec_from_file_location("bm", "scripts/benchmark_modes.py")
bm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bm)
torch.set_num_threads(1)
b = bm.Bench(sys.argv[1], None)
drifts = []
for split, seed in (("heldout", 0), ("heldout", 2), ("train", 0), ("train", 1), ("train", 3), ("train", 5)):
    rain = bm.render_clip(seed, b.cfg, family="rain", split=split, rain=False)
    rc, _ = bm.extended(b, rain.caption, seed, 60.0)
    lv = bm.window_rms_db(rc.audio("ambience"), int(round(b.cfg.seconds_exact * rc.sr)))
    world = bm.window_rms_db(rain.stems["ambience"], len(rain.stems["ambience"]))[0]
    drifts.append(max(lv) - min(lv))
    print(split, seed, "drift %.2f" % drifts[-1], "world 4 s %.1f dB" % world, [round(x, 1) for x in lv],
          rain.caption, flush=True)
print("median drift %.2f dB" % float(np.median(drifts)))
