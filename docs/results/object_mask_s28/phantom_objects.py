"""Solid things the ball trackers see beyond the ball(s): for each held-out ball scene, the
blobs (connected object-mask components of at least the trackers' minimum area, above the
floor) past the asked count, in the world as rendered and through a video decoder. Each one
pulls the tracked centroid off the ball. A diagnostic, not the sync metric.

    python docs/results/object_mask_s28/phantom_objects.py MODEL [--video-codec FILE] [--clips 60]
"""
import argparse

import numpy as np

from talkie.models.av_model import TalkieModel
from talkie.models.evaluation.evaluate import codec_round_trip, native_clip_config, with_codecs
from talkie.models.evaluation.clipdata import ClipData
from talkie.models.world import render_clip

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("--video-codec", default=None)
ap.add_argument("--clips", type=int, default=60)
a = ap.parse_args()
model = with_codecs(TalkieModel.load(a.model), {"video": a.video_codec} if a.video_codec else {})
cfg = native_clip_config(model)
totals = {}
for seed in range(a.clips):
    clip = render_clip(seed, cfg, family="ball", split="heldout")
    group = "rain" if clip.scene.get("rain") else "dry"
    n = clip.scene.get("count") or 1
    for source, c in (("world", ClipData.from_world(clip, cfg)), ("decoded", codec_round_trip(model, clip, cfg, "video"))):
        extra = [b for row in c.blobs for b in row[n:]]
        t = totals.setdefault((source, group), {"clips": 0, "blobs": 0, "frames": 0, "near_floor": 0, "edge_columns": 0})
        t["clips"] += 1
        t["blobs"] += len(extra)
        t["frames"] += sum(len(row) > n for row in c.blobs)
        t["near_floor"] += sum(b.cy >= c.floor_row - 4 for b in extra)
        t["edge_columns"] += sum(b.cx < 4 or b.cx > c.W - 5 for b in extra)
for (source, group), t in sorted(totals.items()):
    print(f"{source:8s} {group:5s} clips {t['clips']:3d}  extra blobs {t['blobs']:4d} in {t['frames']:4d} frames "
          f"(within 4 rows of the floor {t['near_floor']}, in the edge columns {t['edge_columns']})")
