"""Weight-free evaluation of generated (and rendered) Foley-world clips: attribute
detectors (`detectors`), per-family A/V sync (`sync_eval`), aggregation and the
`python -m talkie.models.evaluation.evaluate` CLI (`evaluate`)."""
from .clipdata import ClipData
from .detectors import coherent_frames, detect_attributes, expected_attributes, family
from .sync_eval import sync_eval

__all__ = ["ClipData", "coherent_frames", "detect_attributes", "expected_attributes", "family", "sync_eval"]
