"""The data a rendered Foley-world clip carries: pictures, stems, ground-truth events."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import STEMS


@dataclass
class Event:
    kind: str          # "impact", "clap", "hit", "shatter", "flash", "syllable", "note"
    obj: str           # which object made it ("ball0", "hands", "key3", ...)
    time: float        # when it is seen, in seconds (sub-frame precision)
    audio_time: float  # when its sound starts; differs from `time` only for thunder
    paired: bool = True  # counts for the audio/video sync metric
    strength: float = 1.0


@dataclass
class Clip:
    frames: np.ndarray                 # uint8 [T,H,W,3]
    stems: dict[str, np.ndarray]       # stem name -> float32 [N]
    events: list[Event]
    scene: dict                        # family, attributes (colour, material, ...)
    caption: str = ""
    audio_caption: str = ""
    mouth: np.ndarray | None = None    # per-frame mouth opening for the talking face
    lit_keys: np.ndarray | None = None  # [T, 8] which keyboard key is lit per frame

    @property
    def mix(self) -> np.ndarray:
        return sum(self.stems[s] for s in STEMS).astype(np.float32)


def empty_stems(n: int) -> dict[str, np.ndarray]:
    return {s: np.zeros(n, np.float32) for s in STEMS}
