"""Session 25: why the shipped audio decoder gives tin-roof rain back quiet. Six 1 s ambience
crops of held-out rain scenes of one surface (seeds 2000-2029), decoded by the shipped codec,
then scaled by a gain: each training loss's value against the gain. A loss whose least value
sits at 0 dB is content with the decoder's level. Run from the repository root:
    python docs/results/decoder_level_s25/loss_vs_gain.py metal|glass|asphalt [CHECKPOINT]
loss_vs_gain.log was made on the session-24 model, the one this session started from:
    git show 46e2c38:checkpoints/talkie-s.safetensors > runs/talkie-s24.safetensors"""
import sys

import torch

from talkie.models.av_model import TalkieModel
from talkie.models.config import STEMS
from talkie.models.evaluation.evaluate import native_clip_config, rendered_stems
from talkie.models.training.losses import (band_energy_loss, envelope_loss, hop_comb_loss, multires_stft_loss,
                                           pitch_loss)
from talkie.models.world import render_clip

torch.set_num_threads(1)
model = TalkieModel.load(sys.argv[2] if len(sys.argv) > 2 else "checkpoints/talkie-s.safetensors")
cfg, codec = native_clip_config(model), model.audio_codec
crop = 31 * codec.cfg.hop * codec.cfg.hops_per_token  # 31 tokens, ~1 s
crops = []
for seed in range(2000, 2030):
    clip = render_clip(seed, cfg, family="rain", split="heldout")
    if clip.scene["surface"] == sys.argv[1]:
        crops.append(rendered_stems(clip)[0, STEMS.index("ambience"), :crop])
x = torch.stack(crops[:6])
with torch.no_grad():
    y = codec.decode(codec.encode(x))[..., :crop]
level = lambda a: 10 * torch.log10(a.pow(2).mean()).item()
print(f"{sys.argv[1]}: rendered {level(x):.1f} dB, decoded {level(y):.1f} dB")
terms = {"multires": lambda a: multires_stft_loss(a, x), "envelope": lambda a: envelope_loss(a, x, cfg.sample_rate),
         "comb": lambda a: hop_comb_loss(a, x, 2 * codec.cfg.hop), "pitch": lambda a: pitch_loss(a, x),
         "band (power-weighted)": lambda a: band_energy_loss(a, x)}
gains = (-3, 0, 3, 6, 9, 12)
print("gain dB".ljust(22), *(f"{g:+6d}" for g in gains))
for name, f in terms.items():
    print(name.ljust(22), *(f"{float(f(10 ** (g / 20) * y)):6.3f}" for g in gains))
