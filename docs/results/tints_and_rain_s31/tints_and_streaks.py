"""What the glass-tint and rain-intensity detectors read through a video decoder, world vs
decoded, on held-out scenes (seeds 0..clips-1). A diagnostic, not the evaluation.

- glass: the median colour of the object mask (what `detectors.glass_tint` matches against
  the tints), world and decoded, and the tint each reads;
- rain: with the rain overlay forced on in every family that takes one, each clip's streak
  density as `detectors.rain_streak_density` counts it (1e-3), world -> decoded, and whether
  the decoded clip reads the asked intensity.

    python docs/results/tints_and_rain_s31/tints_and_streaks.py MODEL [--video-codec FILE] [--clips 20]
"""
import numpy as np

from talkie.models.evaluation.decoder_probe import decoder_probe_setup, world_and_decoded
from talkie.models.evaluation.detectors import glass_tint, rain_intensity, rain_streak_density
from talkie.models.world import RAIN_COMBINABLE

model, cfg, a = decoder_probe_setup(__doc__.splitlines()[0], default_clips=20)


def mask_colour(c):
    return tuple(int(v) for v in np.round(255 * np.median(c.frames[c.object_mask], axis=0)))


print("glass: median object colour world -> decoded, and the tint the decoded clip reads")
right = 0
for seed in range(a.clips):
    clip, ref, dec = world_and_decoded(model, cfg, "glass", seed)
    asked, read = clip.scene["tint"], glass_tint(dec)
    right += read == asked
    print(f"  seed {seed:2d} {asked:5s} {mask_colour(ref)} -> {mask_colour(dec)} reads {read}")
print(f"  decoded tint right in {right} of {a.clips}")

print("rain in every family: streak density 1e-3 world -> decoded (asked intensity), right / clips")
for family in ("rain", *sorted(RAIN_COMBINABLE)):
    cells, right = [], 0
    for seed in range(a.clips):
        clip, ref, dec = world_and_decoded(model, cfg, family, seed, rain=True)
        asked = clip.scene["rain"]["intensity"]
        right += rain_intensity(dec) == asked
        cells.append(f"{1e3 * rain_streak_density(ref):.1f}->{1e3 * rain_streak_density(dec):.1f} {asked[0]}")
    print(f"  {family:9s} {right:2d}/{a.clips}  " + "  ".join(cells))
