"""Session 25 (tried, not shipped): 24 held-out glass scenes (seeds 1000-1023) through the
shipped video codec, or one with a fine-tuned decoder: the rendered tint, the tint the
detector reads on the rendered frames and on the round trip, and the median colour of the
object pixels (0-255) both ways. Run from the repository root:
    python docs/results/decoder_level_s25/tried_video_decoder_glass/glass_tint_round_trip.py [VIDEO_CODEC_FILE]
shipped.log is the session-24 model's video codec, which session 25 left as it was."""
import sys

import numpy as np
import torch

from talkie.models.av_model import TalkieModel
from talkie.models.evaluation import detectors
from talkie.models.evaluation.clipdata import ClipData
from talkie.models.evaluation.evaluate import codec_round_trip, native_clip_config, with_codecs
from talkie.models.world import render_clip

torch.set_num_threads(1)
model = TalkieModel.load("checkpoints/talkie-s.safetensors")
if len(sys.argv) > 1:
    model = with_codecs(model, {"video": sys.argv[1]})
cfg = native_clip_config(model)
right = 0
for seed in range(1000, 1024):
    clip = render_clip(seed, cfg, family="glass", split="heldout")
    ref, back = ClipData.from_world(clip, cfg), codec_round_trip(model, clip, cfg, "video")
    read = detectors.glass_tint(back)
    right += read == clip.scene["tint"]
    colour = [np.round(np.median(c.frames[c.object_mask], axis=0) * 255) for c in (ref, back)]
    print(seed, clip.scene["tint"], detectors.glass_tint(ref), read, *colour, flush=True)
print(f"round trip reads the tint in {right} of 24")
