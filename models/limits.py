"""Bounds on what a request may ask for, checked before any work starts, with messages
a user can act on. Shared by the nodes and the CLI."""
from __future__ import annotations

import math

MAX_SECONDS = 120.0
MAX_FPS = 60.0
MIN_FPS = 1.0
MAX_SIDE = 2048
MAX_BATCH = 16
# Decoded frames are float32 [frames, height, width, 3]: bound frames x pixels (x batch) so a
# request cannot ask for more memory than a workstation has (2**28 pixels = 3 GiB of frames,
# e.g. 120 s of 24 fps 256x256, or 4 s of 1920x1080).
MAX_VIDEO_PIXELS = 2 ** 28


def check_number(name: str, value, lo: float, hi: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be between {lo:g} and {hi:g}, got {v:g}")
    return v


def validate_clip_request(seconds, fps, width=None, height=None, batch=1) -> None:
    check_number("seconds", seconds, 0.1, MAX_SECONDS)
    check_number("fps", fps, MIN_FPS, MAX_FPS)
    if round(float(seconds) * float(fps)) < 1:
        raise ValueError(f"{seconds} s at {fps} fps is less than one frame")
    for name, v in (("width", width), ("height", height)):
        if v is None:
            continue
        check_number(name, v, 16, MAX_SIDE)
        if int(v) != v or int(v) % 2:
            raise ValueError(f"{name} must be an even whole number of pixels (H.264 yuv420p), got {v}")
    check_number("batch", batch, 1, MAX_BATCH)
    if width is not None and height is not None:
        frames = max(1, round(float(seconds) * float(fps)))
        total = frames * int(width) * int(height) * int(batch)
        if total > MAX_VIDEO_PIXELS:
            raise ValueError(f"{int(batch)} x {frames} frames of {int(width)}x{int(height)} is {total / 1e6:.0f} M pixels, "
                             f"more than the {MAX_VIDEO_PIXELS / 1e6:.0f} M limit (about 3 GiB of frames): "
                             "make the clip shorter, the fps lower or the size smaller")
