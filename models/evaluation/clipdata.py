"""One clip as the detectors see it: float frames, named audio stems, rates, and the
expensive intermediate results (object blobs, onsets) computed once and shared."""
from __future__ import annotations

from functools import cached_property
from types import SimpleNamespace

import numpy as np

from ..config import STEMS
from ..metrics import detect_onsets
from ..world.families.common import floor_y
from .audio_features import mono
from .image import Blob, as_frames, blobs, dilate, foreground_distance, label_components, large_components

OBJECT_THRESHOLD = 0.2   # max-channel distance from the sky colour that counts as "object"
MIN_BLOB_AREA = 12       # px at 64x64: rain streaks (1 px wide, 4 long) stay below it


class ClipData:
    def __init__(self, frames, stems: dict, fps: float, sample_rate: int):
        self.frames = as_frames(frames)
        self.stems = {k: mono(v) for k, v in stems.items()}
        self.fps = float(fps)
        self.sr = int(sample_rate)

    @classmethod
    def from_world(cls, clip, cfg) -> "ClipData":
        """A rendered Foley-world `Clip` (models/world)."""
        return cls(clip.frames, clip.stems, cfg.fps, cfg.sample_rate)

    @classmethod
    def from_generated(cls, gen) -> "ClipData":
        """A `pipeline.GeneratedClip` (batch item 0)."""
        st = gen.stems[0].detach().cpu().float().numpy()
        return cls(gen.frames[0], {k: st[i] for i, k in enumerate(STEMS)}, gen.fps, gen.sample_rate)

    # --- geometry -------------------------------------------------------------------------
    @property
    def T(self) -> int:
        return self.frames.shape[0]

    @property
    def H(self) -> int:
        return self.frames.shape[1]

    @property
    def W(self) -> int:
        return self.frames.shape[2]

    @property
    def scale(self) -> float:
        return min(self.W, self.H) / 64.0

    @property
    def seconds(self) -> float:
        return self.T / self.fps

    @property
    def floor_row(self) -> int:
        return int(floor_y(self.geometry))

    @property
    def geometry(self):
        """What the world's layout helpers (floor_y, key_box, ...) read from a config."""
        return SimpleNamespace(width=self.W, height=self.H)

    # --- shared intermediates -------------------------------------------------------------
    @cached_property
    def distance(self) -> np.ndarray:
        return foreground_distance(self.frames)

    @cached_property
    def object_mask(self) -> np.ndarray:
        """Pixels far from the sky colour, above the floor (the floor and rain ground are
        scenery)."""
        m = self.distance > OBJECT_THRESHOLD
        m[:, self.floor_row:] = False
        return m

    @property
    def min_blob_area(self) -> int:
        return max(3, int(round(MIN_BLOB_AREA * self.scale ** 2)))

    @cached_property
    def labels(self) -> np.ndarray:
        return label_components(self.object_mask)

    @cached_property
    def blobs(self) -> list[list[Blob]]:
        return blobs(self.frames, self.labels, self.min_blob_area)

    @cached_property
    def solid_weights(self) -> np.ndarray:
        """Object weights [T,H,W] for trackers: the distance from the sky on the blobs (not
        rain streaks) and their one-pixel anti-aliased rim, which carries the sub-pixel
        position; zero elsewhere."""
        keep = dilate(large_components(self.labels, self.min_blob_area))
        keep[:, self.floor_row:] = False
        return np.where(keep, self.distance, 0.0)

    def audio(self, stem: str | None = None) -> np.ndarray:
        """One stem, or the mix with stem=None."""
        if stem is None:
            return sum(self.stems.values())
        return self.stems.get(stem, np.zeros(int(round(self.seconds * self.sr))))

    def onsets(self, stem: str | None = "effects", **kw) -> np.ndarray:
        """Onset times (s) of one stem (`metrics.detect_onsets`, `kw` passed on), cached."""
        key = ("_onsets", stem, tuple(sorted(kw.items())))
        cache = self.__dict__.setdefault("_onset_cache", {})
        if key not in cache:
            cache[key] = detect_onsets(self.audio(stem), self.sr, **kw).times
        return cache[key]

    def energy_shares(self) -> dict:
        e = {k: float(np.sum(np.square(self.stems.get(k, 0.0)))) for k in STEMS}
        tot = sum(e.values())
        return {k: (v / tot if tot > 0 else 0.0) for k, v in e.items()}
