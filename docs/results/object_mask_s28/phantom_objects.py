"""Solid things the ball trackers see beyond the ball(s): for each held-out ball scene, the
blobs (connected object-mask components of at least the trackers' minimum area, above the
floor) past the asked count, in the world as rendered and through a video decoder. Each one
pulls the tracked centroid off the ball. A diagnostic, not the sync metric.

    python docs/results/object_mask_s28/phantom_objects.py MODEL [--video-codec FILE] [--clips 60]
"""
from talkie.models.evaluation.decoder_probe import decoder_probe_setup, world_and_decoded

model, cfg, a = decoder_probe_setup(__doc__.splitlines()[0], default_clips=60)
totals = {}
for seed in range(a.clips):
    clip, world, decoded = world_and_decoded(model, cfg, "ball", seed)
    group = "rain" if clip.scene.get("rain") else "dry"
    n = clip.scene.get("count") or 1
    for source, c in (("world", world), ("decoded", decoded)):
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
