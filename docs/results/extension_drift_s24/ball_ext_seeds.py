"""Session 24: 24 s ball extensions (seeds 1-6, held-out captions), held audio padded with
silence against repeated; sync pooled as benchmark_modes does. Run from the repository root:
python docs/results/extension_drift_s24/ball_ext_seeds.py"""
import importlib.util, numpy as np, math, torch, sys
import torch.nn.functional as F
spec=importlib.util.spec_from_file_location('bm','scripts/benchmark_modes.py'); bm=importlib.util.module_from_spec(spec); spec.loader.exec_module(bm)
import talkie.models.extension as ext
torch.set_num_threads(2)
b=bm.Bench('checkpoints/talkie-s.safetensors', None)
new=ext.audio_encoding_context
old=lambda held,n: F.pad(held,(0,n-held.shape[1]))
reps={'zero-padded':[], 'repeated':[]}
for seed in range(1,7):
    ball=b.world(seed,'ball')
    for name,fn in (('zero-padded',old),('repeated',new)):
        ext.audio_encoding_context=fn
        bc,_=bm.extended(b, ball.caption, seed, 20.0)
        v=bm.ball_contacts(bc, ball.scene["count"])
        rep=bm.sync_report(bc.frames, bc.audio("effects"), bc.fps, bc.sr, visual_events=v, audio_onsets=bc.onsets("effects", **bm.BALL_ONSETS))
        reps[name].append(bm.summary(rep))
        s=bm.summary(rep); print(seed,name,{k:(round(v,3) if isinstance(v,float) else v) for k,v in s.items() if k in ('n_visual','n_audio','n_pairs','f1','median_abs_offset_ms','share_in_window')}, flush=True)
for name,r in reps.items():
    p=bm.pool(r, target=False); print(name, {k:(round(v,3) if isinstance(v,float) else v) for k,v in p.items()})
