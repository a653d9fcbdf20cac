"""The pitch tracker (models/codecs/pitch.py) on the world's own stems: per family, three seeds, the
share of tokens voiced, the median f0 and the first voiced tokens' f0 (the keyboard: its lit keys too).
    python docs/results/pitch_channels_s32/tracker_on_world.py"""
import numpy as np, torch, time
from talkie.models.world import render_clip
from talkie.models.codecs.pitch import track_pitch
from talkie.models.world.families.keyboard import NOTE_HZ
for fam, stem in [("face","voice"),("keyboard","music"),("ball","effects"),("rain","ambience"),("glass","effects"),("drum","effects")]:
    for seed in range(3):
        c = render_clip(seed, family=fam)
        x = torch.from_numpy(c.stems[stem][None].copy())
        t=time.time(); p = track_pitch(x, 16000, 512)[0]; dt=time.time()-t
        v, lf = p[:,0].numpy(), p[:,1].numpy()
        f0 = 200*2**lf
        voiced = v > 0.5
        print(fam, seed, c.scene.get("voice", ""), f"voiced {voiced.mean():.2f}", "f0 med", np.round(np.median(f0[voiced]) if voiced.any() else 0), f"{dt*1000:.0f}ms",
              np.round(f0[voiced][:12]).astype(int).tolist())
        if fam=="keyboard" and seed==0:
            print("  lit", c.lit_keys.argmax(1)[::2][:40].tolist() if c.lit_keys is not None else None)
