"""Generated keyboard clips: per lit-key run, the key, its note, the heard peak and the tracked
pitch of the generated latent's music channels (what the transformer wrote)."""
import sys, numpy as np, torch
from talkie.models.pipeline import Generator
from talkie.models.world import render_clip
from talkie.models.config import AVConfig, STEMS
from talkie.models.evaluation.clipdata import ClipData
from talkie.models.evaluation import detectors as D
from talkie.models.world.families.keyboard import NOTE_HZ
from talkie.models.codecs.pitch import track_pitch
torch.set_num_threads(1)
gen = Generator.from_checkpoint(sys.argv[1])
cfg = AVConfig()
for seed in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3):
    clip = render_clip(seed, cfg, family="keyboard", split="train")
    out = gen.generate(clip.caption, seconds=cfg.seconds, fps=cfg.fps, seed=seed)
    frames = out.frames[0].numpy(); stems = {k: out.stems[0, i].numpy() for i, k in enumerate(STEMS)}
    c = ClipData(frames, stems, cfg.fps, cfg.sample_rate)
    idx, _ = D.lit_keys(c)
    runs = D.key_runs(idx)
    p = track_pitch(torch.from_numpy(stems["music"][None].copy()), 16000, 512)[0]
    f0 = 200 * 2 ** p[:, 1].numpy(); v = p[:, 0].numpy()
    print(f"seed {seed}: agreement {D.key_pitch_agreement(c)}")
    for a, b, key in runs[:6]:
        s = stems["music"][int((a / c.fps + 0.01) * c.sr):int(b / c.fps * c.sr)]
        f = D.peak_frequency(s, c.sr, fmin=200.0, fmax=600.0)
        toks = slice(int(a / c.fps * 31.25), int(b / c.fps * 31.25) + 1)
        print(f"  frames {a}-{b} key {key} ({NOTE_HZ[key]:.0f} Hz) heard {f and round(f)} tracked {np.round(f0[toks][v[toks] > 0.5]).astype(int).tolist()}")
