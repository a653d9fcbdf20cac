"""Session 25: the ambience level of 30 held-out rain scenes (seeds 2000-2029) as the world
renders it and after a round trip through an audio codec (the shipped one, or a codec file).
Run from the repository root:
    python docs/results/decoder_level_s25/rain_round_trip.py [AUDIO_CODEC_FILE]
rain_round_trip_shipped.log is the session-24 model's codec (the argument may be a Talkie model:
git show 46e2c38:checkpoints/talkie-s.safetensors > runs/talkie-s24.safetensors, then pass that
file); rain_round_trip_candidate.log the session-25 one (no argument now)."""
import sys

import numpy as np
import torch

from talkie.models.av_model import TalkieModel
from talkie.models.config import STEMS
from talkie.models.evaluation.evaluate import native_clip_config, rendered_stems, with_codecs
from talkie.models.world import render_clip

torch.set_num_threads(1)
model = TalkieModel.load("checkpoints/talkie-s.safetensors")
if len(sys.argv) > 1:
    model = with_codecs(model, {"audio": sys.argv[1]})
cfg = native_clip_config(model)
ambience = STEMS.index("ambience")


def db(a: torch.Tensor) -> float:
    return 10 * np.log10(float(a.pow(2).mean()) + 1e-12)


losses: dict = {}
for seed in range(2000, 2030):
    clip = render_clip(seed, cfg, family="rain", split="heldout")
    x = rendered_stems(clip)
    with torch.no_grad():
        y = model.decode_audio(model.encode_audio(x, cfg), cfg)
    rendered, back = db(x[0, ambience]), db(y[0, ambience])
    key = (clip.scene["surface"], clip.scene["intensity"])
    losses.setdefault(key, []).append(back - rendered)
    print(seed, *key, f"{rendered:.1f} -> {back:.1f} dB ({back - rendered:+.1f})", flush=True)
for key in sorted(losses):
    print(*key, f"mean {np.mean(losses[key]):+.1f} dB over {len(losses[key])}")
