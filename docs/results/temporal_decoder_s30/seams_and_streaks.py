"""What the glass tracker and the rain-intensity detector read through a video decoder, world
vs decoded, on held-out scenes (seeds 0..clips-1). A diagnostic, not the sync metric.

- seams: each frame's motion energy (mean |luma change| from the frame before, what the glass
  tracker's motion curve is made of), split into frames that start a latent (even: the seam
  between two latents' decodes) and frames inside one (odd); per family, the median over
  clips of (decoded - world), in 1e-3 luma. A decoder that draws each latent on its own
  flickers at the seams: even frames get more motion energy than the world has;
- glass: the frame of the largest brightness or motion-energy rise (what `glass_event` takes
  for the shatter) against the world's;
- rain: each clip's streak density as `detectors.rain_streak_density` counts it, world vs
  decoded, and the intensity bin each falls in, per asked intensity.

    python docs/results/temporal_decoder_s30/seams_and_streaks.py MODEL [--video-codec FILE] [--clips 20]
"""
import numpy as np

from talkie.models.evaluation.decoder_probe import decoder_probe_setup, world_and_decoded
from talkie.models.evaluation.detectors import rain_intensity, rain_streak_density
from talkie.models.metrics.visual_events import brightness_curve, luminance, motion_curve
from talkie.models.world import FAMILIES

model, cfg, a = decoder_probe_setup(__doc__.splitlines()[0], default_clips=20)


def pair(family, seed):
    return world_and_decoded(model, cfg, family, seed)


def energy(c):
    y = luminance(c.frames).astype(np.float64)
    return np.abs(y[1:] - y[:-1]).mean((1, 2))  # [T-1]: frame k+1 against frame k


print("seams: motion energy decoded - world, 1e-3 luma (median over clips): frames starting a latent | inside one")
for family in FAMILIES:
    seam, inside = [], []
    for seed in range(min(a.clips, 8)):
        _, ref, dec = pair(family, seed)
        d = energy(dec) - energy(ref)
        seam.append(d[1::2].mean())    # frame 2, 4, ... against the frame before: across a seam
        inside.append(d[0::2].mean())  # frame 1, 3, ...: inside a latent
    print(f"  {family:9s} {1000 * np.median(seam):6.2f} | {1000 * np.median(inside):6.2f}")

print("glass: frame of the largest rise, world vs decoded")
right = 0
for seed in range(a.clips):
    clip, ref, dec = pair("glass", seed)
    picks = [int(np.argmax(np.maximum(brightness_curve(c.frames), motion_curve(c.frames)))) for c in (ref, dec)]
    right += picks[0] == picks[1]
    shatter = next(e.time for e in clip.events if e.kind == "shatter")
    print(f"  seed {seed:2d} shatter at frame {shatter * cfg.fps:5.2f}: world {picks[0]:2d}, decoded {picks[1]:2d}")
print(f"  decoded picks the world's frame in {right} of {a.clips}")

print("rain: streak density (world -> decoded) and the bin it reads, per asked intensity")
rows = {}
for seed in range(a.clips):
    clip, ref, dec = pair("rain", seed)
    asked = clip.scene["rain"]["intensity"]
    rows.setdefault(asked, []).append((rain_streak_density(ref), rain_streak_density(dec), rain_intensity(dec)))
for asked, r in sorted(rows.items()):
    w, d = np.median([x[0] for x in r]), np.median([x[1] for x in r])
    ok = sum(x[2] == asked for x in r)
    print(f"  {asked:8s} {len(r):2d} clips: median density world {1000 * w:5.2f}e-3, decoded {1000 * d:5.2f}e-3; "
          f"decoded reads {asked} in {ok} of {len(r)}")
