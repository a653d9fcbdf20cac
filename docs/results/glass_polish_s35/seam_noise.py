"""Does independent error in each video latent reproduce the generated clips' seam flicker?
Rendered glass scenes are encoded, each normalised latent gets i.i.d. Gaussian noise of std
SIGMA (each latent is its own token, so nothing ties the transformer's error in one to its
neighbours'), and the
decoded frames are read by the glass tracker: how often its largest rise lies on an even frame
(just after a seam between two latents) and within 100 ms of the shatter.

    python docs/results/glass_polish_s35/seam_noise.py CHECKPOINT [SIGMA ...]"""
import sys

import numpy as np
import torch

from talkie.models.av_model import TalkieModel
from talkie.models.evaluation.clipdata import ClipData
from talkie.models.evaluation.evaluate import native_clip_config, rendered_frames
from talkie.models.evaluation.sync_eval import glass_event
from talkie.models.metrics.visual_events import generic_curve
from talkie.models.world import render_clip


def main():
    torch.set_num_threads(1)
    model = TalkieModel.load(sys.argv[1])
    sigmas = [float(s) for s in sys.argv[2:]] or [0.0, 0.1, 0.2, 0.4]
    cfg = native_clip_config(model)
    clips = [render_clip(seed, cfg, family="glass", split="heldout") for seed in range(20)]
    breaks = [float(glass_event(ClipData.from_world(c, cfg))[0][0]) for c in clips]  # the world's break frame
    with torch.no_grad():
        latents = [model.encode_video(rendered_frames(c), cfg) for c in clips]
    for sigma in sigmas:
        gen = torch.Generator().manual_seed(0)
        even = matched = 0
        for t_break, z in zip(breaks, latents):
            with torch.no_grad():
                noisy = z + sigma * torch.randn(z.shape, generator=gen)
                frames = model.decode_video(noisy, cfg)[0].clamp(0, 1).numpy()
            k = int(np.argmax(generic_curve(frames)))
            even += k % 2 == 0
            matched += abs((k - 0.5) / cfg.fps - t_break) <= 0.1
        print(f"sigma {sigma:.2f}: argmax on an even frame {even} of {len(clips)}, "
              f"within 100 ms of the world's break {matched} of {len(clips)}")


if __name__ == "__main__":
    main()
