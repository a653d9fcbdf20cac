"""Renders the example inputs the shipped workflows load (workflows/inputs/), from held-out
Foley-world seeds: a first frame for image->AV and a bouncing-ball clip with sound for
video->audio and audio->video. Copy them into ComfyUI/input/ to run those workflows."""
from __future__ import annotations

import os

from PIL import Image

from talkie.models.config import AVConfig
from talkie.models.media import write_av_mp4
from talkie.models.world import render_clip

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "workflows", "inputs")


def main():
    os.makedirs(OUT, exist_ok=True)
    cfg = AVConfig(seconds=4.0, width=256, height=256)  # the world renders at any size
    first = next(c for c in (render_clip(s, cfg, family="ball", rain=False) for s in range(100, 400))
                 if c.scene["count"] == 1 and c.scene["colour"] == "blue" and c.scene["material"] == "rubber")
    Image.fromarray(first.frames[0]).save(os.path.join(OUT, "talkie_first_frame.png"))
    clip = next(c for c in (render_clip(s, cfg, family="ball", rain=False) for s in range(400, 700))
                if c.scene["count"] == 1 and len(c.events) >= 4)
    write_av_mp4(os.path.join(OUT, "talkie_bounce.mp4"), clip.frames, clip.mix, cfg.fps, cfg.sample_rate, crf=28)
    print("captions:", first.caption, "|", clip.caption)


if __name__ == "__main__":
    main()
