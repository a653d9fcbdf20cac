"""What the transformer writes into the music/voice pitch channels of a generated latent
(denormalised), against the lit keys / asked voice."""
import sys, numpy as np, torch
from talkie.models.pipeline import Generator
from talkie.models.world import render_clip
from talkie.models.config import AVConfig, STEMS
from talkie.models.world.families.keyboard import NOTE_HZ
torch.set_num_threads(1)
gen = Generator.from_checkpoint(sys.argv[1])
m = gen.model
cap = {}
orig = m.decode_audio
def grab(z, cfg):
    cap["z"] = (z * m.audio_std + m.audio_mean)[0].reshape(z.shape[1], 4, -1)
    return orig(z, cfg)
m.decode_audio = grab
cfg = AVConfig()
fam = sys.argv[2]
for seed in range(int(sys.argv[3])):
    clip = render_clip(seed, cfg, family=fam, split="train")
    gen.generate(clip.caption, seconds=cfg.seconds, fps=cfg.fps, seed=seed)
    stem = STEMS.index("music" if fam == "keyboard" else "voice")
    v, lf = cap["z"][:, stem, 8].numpy(), cap["z"][:, stem, 9].numpy()
    hz = np.where(v > 0.5, 200 * 2 ** lf, 0).round().astype(int)
    print(seed, clip.caption[:50], clip.scene.get("voice", ""))
    if fam == "keyboard":
        lit = clip.lit_keys  # world's keys (not the generated ones)
        print("   latent f0 per token:", hz[::2][:40].tolist())
    else:
        print("   voiced", (v > 0.5).mean().round(2), "median f0", np.median(hz[hz > 0]) if (hz > 0).any() else 0)
