"""What the drum and glass trackers read, in the world as rendered and through a video
decoder, on held-out scenes (seeds 0..clips-1). A diagnostic, not the sync metric.

- drum: the stick tip's colour-key mass near the tip (<= 4 px from the world's key) and
  elsewhere, and the mean |row error| of its keyed centroid, the track contacts are read from;
- glass: the frame of the largest brightness or motion-energy rise (what `glass_event` takes
  for the shatter) against the world's, and which of the two curves won;
- ball: the mean colour of the ball's core (pixels over 0.3 from the clip's median) in the
  red scenes among seeds 0..59, world vs decoded (a decoder that holds every keyed pixel drew
  reds a little orange);
- every family: each frame's mean-luma error, and the largest brightness rise at a latent
  boundary (even frames), which the world has only where something happens.

    python docs/results/tracked_parts_s29/tracker_inputs.py MODEL [--video-codec FILE] [--clips 20]
"""
import numpy as np
from scipy import ndimage

from talkie.models.evaluation.decoder_probe import decoder_probe_setup, world_and_decoded
from talkie.models.evaluation.sync_eval import STICK_TIP
from talkie.models.metrics import centroid_track
from talkie.models.metrics.visual_events import brightness_curve, luminance, motion_curve, object_weights
from talkie.models.world import FAMILIES, render_clip

model, cfg, a = decoder_probe_setup(__doc__.splitlines()[0], default_clips=20)


def pair(family, seed):
    return world_and_decoded(model, cfg, family, seed)


print("drum: stick-tip key mass (world | decoded near tip, elsewhere) and keyed centroid |row error|")
errors = []
for seed in range(a.clips):
    clip, ref, dec = pair("drum", seed)
    key = np.array(STICK_TIP) / 255
    w_ref, w_dec = object_weights(ref.frames, color=key), object_weights(dec.frames, color=key)
    near = np.stack([ndimage.binary_dilation(f > 0, iterations=4) for f in w_ref])
    err = float(np.nanmean(np.abs(centroid_track(w_ref)[0] - centroid_track(w_dec)[0])))
    errors.append(err)
    s = clip.scene
    print(f"  seed {seed:2d} {s['size']:5s} {s['tempo']:4s} {s['colour']:5s} world {w_ref.sum((1, 2)).mean():5.1f} | "
          f"{(w_dec * near).sum((1, 2)).mean():5.1f} {(w_dec * ~near).sum((1, 2)).mean():4.1f}   |row error| {err:5.2f} px")
print(f"  mean |row error| {np.mean(errors):.2f} px, median {np.median(errors):.2f} px")

print("glass: frame of the largest rise (B brightness, M motion energy), world vs decoded")
right = 0
for seed in range(a.clips):
    clip, ref, dec = pair("glass", seed)
    picks = []
    for c in (ref, dec):
        b, m = brightness_curve(c.frames), motion_curve(c.frames)
        k = int(np.argmax(np.maximum(b, m)))
        picks.append((k, "B" if b[k] >= m[k] else "M", 1000 * max(b[k], m[k])))
    right += picks[0][0] == picks[1][0]
    shatter = next(e.time for e in clip.events if e.kind == "shatter")
    print(f"  seed {seed:2d} shatter at frame {shatter * cfg.fps:5.2f}: world {picks[0][0]:2d} "
          f"{picks[0][1]} {picks[0][2]:5.1f}e-3, decoded {picks[1][0]:2d} {picks[1][1]} {picks[1][2]:5.1f}e-3")
print(f"  decoded picks the world's frame in {right} of {a.clips}")

print("mean-luma error per frame and the largest brightness rise at a latent boundary (median over clips)")
for family in FAMILIES:
    err, rise_dec, rise_ref = [], [], []
    for seed in range(min(a.clips, 6)):
        _, ref, dec = pair(family, seed)
        err.append(np.abs(luminance(dec.frames).mean((1, 2)) - luminance(ref.frames).mean((1, 2))).mean())
        rise_dec.append(brightness_curve(dec.frames)[2::2].max())
        rise_ref.append(brightness_curve(ref.frames)[2::2].max())
    print(f"  {family:9s} |luma error| {1000 * np.mean(err):5.1f}e-3   boundary rise decoded "
          f"{1000 * np.median(rise_dec):6.1f}e-3, world {1000 * np.median(rise_ref):6.1f}e-3")

print("ball: mean RGB of the ball's core in the red scenes, world vs decoded")
shift = []
for seed in range(60):
    if render_clip(seed, cfg, family="ball", split="heldout").scene.get("colour") != "red":
        continue  # rendering is cheap; the round trip is done for the red scenes only
    clip, ref, dec = world_and_decoded(model, cfg, "ball", seed)
    f_ref, f_dec = (np.asarray(c.frames, np.float32) / (255 if c.frames.dtype == np.uint8 else 1) for c in (ref, dec))
    core = np.abs(f_ref - np.median(f_ref, axis=0)).max(-1) > 0.3
    w, d = np.round(255 * f_ref[core].mean(0)).astype(int), np.round(255 * f_dec[core].mean(0)).astype(int)
    shift.append(d - w)
    print(f"  seed {seed:2d} world {w}  decoded {d}")
print(f"  mean decoded - world (R, G, B): {np.round(np.mean(shift, axis=0), 1)}")
