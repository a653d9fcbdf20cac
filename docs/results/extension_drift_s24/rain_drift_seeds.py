"""Session 24: 64 s rain extensions, held audio padded with silence (before) against repeated
(models/extension.audio_encoding_context), per 4 s window ambience level in dB. Run from the
repository root: python docs/results/extension_drift_s24/rain_drift_seeds.py (in-grammar seeds 0, 1, 3, 5;
rain_drift_seeds.log is the same on held-out seeds 1-3)."""
import importlib.util, numpy as np, math, torch, sys
import torch.nn.functional as F
spec=importlib.util.spec_from_file_location('bm','scripts/benchmark_modes.py'); bm=importlib.util.module_from_spec(spec); spec.loader.exec_module(bm)
import talkie.models.extension as ext
torch.set_num_threads(2)
b=bm.Bench('checkpoints/talkie-s.safetensors', None)
new=ext.audio_encoding_context
old=lambda held,n: F.pad(held,(0,n-held.shape[1]))
for seed in (0,1,3,5):
    rain=bm.render_clip(seed, b.cfg, family='rain', split='train', rain=False)
    for name,fn in (('zero-padded',old),('repeated',new)):
        ext.audio_encoding_context=fn
        rc,_=bm.extended(b, rain.caption, seed, 60.0)
        lv=bm.window_rms_db(rc.audio('ambience'), int(round(b.cfg.seconds_exact*rc.sr)))
        print(seed, name, 'drift %.2f'%(max(lv)-min(lv)), [round(x,1) for x in lv], rain.caption, flush=True)
