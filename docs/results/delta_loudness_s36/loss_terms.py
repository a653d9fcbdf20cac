"""The size of each of train_joint's loss terms for a model on one real batch (session 36).

    python docs/results/delta_loudness_s36/loss_terms.py CHECKPOINT

Renders 24 training scenes (3 per family, seeds 1000+), encodes them with the model's own
codecs as the trainer does, draws three batches of the training task mix (event weight 3) and
prints flow_loss's terms for each: the video and audio flow losses, the video loss on the
change between consecutive latents, and the loudness loss (the effects stem of 8 clips, as
`--loudness-weight` reads it). Used to set the two new weights against the flow losses."""
import copy
import sys
import tempfile

import numpy as np
import torch

from talkie.models.av_model import TalkieModel
from talkie.models.text_encoder import TextEncoder
from talkie.models.training.latent_source import LatentEncoder, _pad_tokens
from talkie.models.training.train_joint import LatentBuffer, flow_loss, make_batch, write_codecs
from talkie.models.world import render_clip

FAMILIES = ("ball", "glass", "clap", "face", "drum", "rain", "storm", "keyboard")

torch.set_num_threads(1)
model = TalkieModel.load(sys.argv[1]).eval()
with tempfile.TemporaryDirectory() as folder:
    encode = LatentEncoder(*write_codecs(model, folder))()
    buf = LatentBuffer(64)
    for i in range(24):
        buf.add(encode(render_clip(1000 + i, model.av, family=FAMILIES[i % 8]), 1000 + i))
empty = _pad_tokens(TextEncoder().encode(""))
norm = (model.video_mean, model.video_std, model.audio_mean, model.audio_std)
codec = copy.deepcopy(model.audio_codec).eval().requires_grad_(False)
rng = np.random.default_rng(0)
for r in range(3):
    batch = make_batch(buf, rng, 24, model.av, empty, torch.device("cpu"), None, 3.0)
    torch.manual_seed(r)
    with torch.no_grad():
        out = flow_loss(model.joint, norm, batch, model.av, torch.device("cpu"), False, None, codec)
    print("  ".join(f"{name} {value.item():.4f}" for name, value in zip(out._fields, out) if name != "drift"))
