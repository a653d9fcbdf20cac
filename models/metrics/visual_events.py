"""Weight-free visual event times from frames.

Timing convention: frame k is the state of the world at t = k / fps (its timestamp), so a
frame-level event detected at frame k is reported at k / fps. Frame-level events are
therefore quantised to the frame grid (about +-half a frame); `contact_times` gets below the
frame interval for ballistic objects by fitting their trajectory.

- brightness jumps: rectified first difference of mean luminance (flashes, lit keys);
- motion energy: M_k = mean |I_k - I_{k-1}|, rectified rise M_k - M_{k-1}, peak picking;
- generic: peaks of max(brightness jump, motion rise), for scenes with no tracker;
- colour: per-pixel rectified rise of a colour key (a lit key in a known colour);
- contacts: an object's centroid track y(k) (or the gap between two closing parts, between
  their centroids or their outer edges); at each
  bounce (a local extremum) fit one parabola to up to `n_fit` frames before and one to
  the frames after; the contact is where the two parabolas intersect (the root nearest
  the extremum frame).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .pairing import kept_at_resolution

LUMA = (0.299, 0.587, 0.114)  # BT.601 weights of R, G, B


class VisualEvents(NamedTuple):
    times: np.ndarray      # seconds
    strengths: np.ndarray  # curve value at the event


# How far (RGB distance, 0..1 channels) a pixel may be from a tracked colour and still weigh.
KEY_TOLERANCE = 0.25


def to_float_frames(frames) -> np.ndarray:
    """[T, H, W, C] uint8 / float (numpy or torch) -> float32 in 0..1."""
    if hasattr(frames, "detach"):
        frames = frames.detach().cpu().numpy()
    f = np.asarray(frames)
    if f.ndim != 4:
        raise ValueError(f"frames must be [T, H, W, C]; got shape {f.shape}")
    if f.dtype == np.uint8:
        return f.astype(np.float32) / 255.0
    return np.clip(f.astype(np.float32), 0.0, 1.0)


def luminance(frames) -> np.ndarray:
    """Per-pixel luma [T, H, W] in 0..1 (BT.601 weights; grey for 1-channel frames)."""
    f = to_float_frames(frames)
    return f[..., :3] @ np.array(LUMA, np.float32) if f.shape[-1] >= 3 else f[..., 0]


def brightness_curve(frames) -> np.ndarray:
    """Rectified rise of mean luminance, one value per frame (frame 0 is 0)."""
    m = luminance(frames).mean(axis=(1, 2)).astype(np.float64)
    c = np.zeros_like(m)
    c[1:] = np.maximum(m[1:] - m[:-1], 0.0)
    return c


def motion_curve(frames) -> np.ndarray:
    """Rectified rise of motion energy M_k = mean |I_k - I_{k-1}| (frames 0 and 1 are 0)."""
    y = luminance(frames).astype(np.float64)
    m = np.zeros(len(y))
    m[1:] = np.abs(y[1:] - y[:-1]).mean(axis=(1, 2))
    c = np.zeros_like(m)
    c[2:] = np.maximum(m[2:] - m[1:-1], 0.0)
    return c


def generic_curve(frames) -> np.ndarray:
    """max(brightness jump, motion rise): both are in luminance units, so no rescaling."""
    return np.maximum(brightness_curve(frames), motion_curve(frames))


def pick_peaks(curve, fps, *, k_mad: float = 8.0, rel_max: float = 0.2, min_value: float = 2 / 255,
               refractory_s: float = 0.06) -> VisualEvents:
    """Local maxima of a per-frame curve above max(median + k*MAD, rel_max*max, min_value),
    at least `refractory_s` apart (the earlier wins); times are k / fps."""
    c = np.asarray(curve, dtype=np.float64)
    if len(c) == 0 or c.max() <= 0:
        return VisualEvents(np.zeros(0), np.zeros(0))
    med = np.median(c)
    mad = np.median(np.abs(c - med))
    thr = max(med + k_mad * 1.4826 * mad, rel_max * c.max(), min_value)
    left = np.concatenate([[-np.inf], c[:-1]])
    right = np.concatenate([c[1:], [-np.inf]])
    peaks = np.flatnonzero((c > thr) & (c >= left) & (c > right))
    times = peaks / float(fps)
    keep = kept_at_resolution(times, refractory_s)
    return VisualEvents(times[keep], c[peaks[keep]])


def brightness_events(frames, fps, **kw) -> VisualEvents:
    return pick_peaks(brightness_curve(frames), fps, **kw)


def motion_events(frames, fps, **kw) -> VisualEvents:
    return pick_peaks(motion_curve(frames), fps, **kw)


def generic_events(frames, fps, **kw) -> VisualEvents:
    """Fallback when no tracker applies: peaks of max(brightness jump, motion rise)."""
    return pick_peaks(generic_curve(frames), fps, **kw)


# --- tracked object ---------------------------------------------------------------------

def object_weights(frames, color=None, tol: float = KEY_TOLERANCE, threshold: float | None = None,
                   matte: bool = False) -> np.ndarray:
    """Per-pixel object weight [T, H, W] >= 0.

    With `color` (RGB in 0..1): a soft colour key, weight = max(0, 1 - |p - color| / tol);
    it needs no background model, so it works for objects that rest for long stretches.
    Without: distance to the background, estimated as the per-pixel median over time (the
    object must not cover a pixel for more than half the clip), weight = max_c |p - B|,
    which is proportional to the object's anti-aliased coverage (sub-pixel position), kept
    above a tenth of `threshold` (default: half the 99.9th percentile) so that compression
    noise does not pull the centroid.
    With `color` and `matte=True`: the coverage itself (see `_matte_weights`). The plain
    colour key cuts an object's soft edge against a contrasting background to a hard one,
    which quantises a straight edge (a hand's side) to whole pixels.
    """
    f = to_float_frames(frames)[..., :3]
    if color is not None and matte:
        return _matte_weights(f, np.asarray(color, dtype=np.float32)[:3], tol)
    if color is not None:
        d = np.linalg.norm(f - np.asarray(color, dtype=np.float32)[:3], axis=-1)
        return np.maximum(0.0, 1.0 - d / tol)
    bg = np.median(f, axis=0)
    d = np.abs(f - bg).max(axis=-1)
    thr = threshold if threshold is not None else 0.5 * float(np.percentile(d, 99.9))
    return np.where(d > 0.1 * max(thr, 1e-6), d, 0.0)


def _matte_weights(f: np.ndarray, color: np.ndarray, tol: float) -> np.ndarray:
    """Coverage of a `color` object over the background, per pixel, in 0..1.

    The background is the most common colour (the per-channel median of all pixels: the
    object is small). A pixel p on the segment from background B to the colour C is
    B + a (C - B), a the anti-aliased coverage: weight = a, the projection of p - B on
    C - B, for pixels within `tol` of that segment (other objects are off it)."""
    bg = np.median(f.reshape(-1, 3), axis=0)
    axis = color - bg
    n2 = float(axis @ axis)
    if n2 < 1e-6:
        return np.zeros(f.shape[:-1], np.float32)
    rel = f - bg
    a = np.clip(rel @ axis / n2, 0.0, 1.0)
    off = np.linalg.norm(rel - a[..., None] * axis, axis=-1)
    return np.where(off <= tol, a, 0.0).astype(np.float32)


def centroid_track(weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted centroid per frame: (y, x, valid); y grows downwards (image rows)."""
    w = np.asarray(weights, dtype=np.float64)
    t, h, wd = w.shape
    mass = w.sum(axis=(1, 2))
    ys = np.arange(h, dtype=np.float64)
    xs = np.arange(wd, dtype=np.float64)
    valid = mass > 1e-9
    safe = np.where(valid, mass, 1.0)
    cy = (w.sum(axis=2) @ ys) / safe
    cx = (w.sum(axis=1) @ xs) / safe
    return np.where(valid, cy, np.nan), np.where(valid, cx, np.nan), valid


def gap_track(weights) -> np.ndarray:
    """Horizontal gap between two parts per frame: the mass is split at its weighted mean x
    and the gap is right centroid - left centroid. For two hands closing on each other it
    reaches its minimum at contact (use bottom_is_max=False)."""
    w = np.asarray(weights, dtype=np.float64)
    xs = np.arange(w.shape[2], dtype=np.float64)
    col = w.sum(axis=1)  # [T, W] column mass
    out = np.full(len(col), np.nan)
    for k, c in enumerate(col):
        m = c.sum()
        if m <= 1e-9:
            continue
        mid = (c @ xs) / m
        left, right = xs <= mid, xs > mid
        ml, mr = c[left].sum(), c[right].sum()
        if ml > 1e-9 and mr > 1e-9:
            out[k] = (c[right] @ xs[right]) / mr - (c[left] @ xs[left]) / ml
    return out


def edge_gap_track(weights, share: float = 0.1) -> np.ndarray:
    """Distance between the outer edges of two parts per frame (two hands clapping).

    Each edge is where the column mass, accumulated from that side of the image, reaches
    `share` of the clip's median total mass (linear interpolation between columns, so
    sub-pixel). Unlike `gap_track` it ignores the inner sides, where the parts touch and
    cover each other (a thumb hidden behind the other hand), so the track is a rigid
    translation of the outer edges; a fixed mass (not a share of each frame's) keeps it so
    when the covered area changes. Contacts are its minima (use bottom_is_max=False)."""
    w = np.asarray(weights, dtype=np.float64)
    col = w.sum(axis=1)  # [T, W]
    total = col.sum(axis=1)
    out = np.full(len(col), np.nan)
    if not (total > 1e-9).any():
        return out
    target = share * float(np.median(total[total > 1e-9]))

    def edge(c):
        cs = np.cumsum(c)
        j = int(np.searchsorted(cs, target))
        if j >= len(c):
            return np.nan
        below = cs[j - 1] if j > 0 else 0.0
        return j - 0.5 + (target - below) / max(c[j], 1e-12)  # column j spans [j-0.5, j+0.5]

    for k, c in enumerate(col):
        if total[k] > 2 * target:
            out[k] = (c.size - 1 - edge(c[::-1])) - edge(c)
    return out


def _fit_contact(tl, yl, tr, yr):
    """Contact time where the pre- and post-contact arcs meet, or None.

    >= 3 points a side: independent parabolas, root of their difference nearest 0 (times are
    centred on the extremum frame). Fewer (short arcs between quick bounces): both sides
    share one curvature (gravity is the same before and after), which makes the meeting
    point linear: t = (c_r - c_l) / (b_l - b_r)."""
    nl, nr = len(tl), len(tr)
    if nl >= 3 and nr >= 3:
        p = np.polyfit(tl, yl, 2)
        q = np.polyfit(tr, yr, 2)
        a, b, c = p - q
        if abs(a) < 1e-12 * max(1.0, abs(b), abs(c)):
            return None if abs(b) < 1e-15 else -c / b
        disc = b * b - 4 * a * c
        if disc < 0:
            return -b / (2 * a)  # the arcs just miss each other (noise): closest approach
        qv = -0.5 * (b + np.copysign(np.sqrt(disc), b))  # numerically stable roots
        roots = [qv / a] + ([c / qv] if qv != 0 else [])
        return min(roots, key=abs)
    if nl >= 2 and nr >= 2 and nl + nr >= 5:
        t = np.concatenate([tl, tr])
        m = np.zeros((nl + nr, 5))
        m[:, 0] = t * t
        m[:nl, 1], m[:nl, 2] = tl, 1.0
        m[nl:, 3], m[nl:, 4] = tr, 1.0
        (_, bl, cl, br, cr), *_ = np.linalg.lstsq(m, np.concatenate([yl, yr]), rcond=None)
        return None if abs(bl - br) < 1e-12 else (cr - cl) / (bl - br)
    return None


def bounce_times(y, fps, *, n_fit: int = 4, bottom_is_max: bool = True,
                 min_depth: float = 0.5, max_shift_frames: float = 1.0) -> np.ndarray:
    """Sub-frame contact times (s) from a per-frame position track.

    y: position per frame (NaN where the object is not found). With image rows (y down) a
    floor contact is a local maximum (`bottom_is_max=True`); for a closing gap use False.
    Every local extremum e (ties included, so resting plateaus bound the arcs too) is a
    candidate; it is a contact when the track moves at least `min_depth` into it and out of
    it. Frame e itself is left out (it may lie on either side of the contact); up to `n_fit`
    frames on each side, stopping at the neighbouring extrema, are fitted (`_fit_contact`)
    and the meeting point must lie within `max_shift_frames` of e: the contact is always
    between frames e-1 and e+1.
    """
    y = np.asarray(y, dtype=np.float64)
    if not bottom_is_max:
        y = -y
    fps = float(fps)
    n = len(y)
    fin = np.isfinite(y)
    ext = [k for k in range(1, n - 1)
           if fin[k - 1:k + 2].all() and y[k] >= y[k - 1] and y[k] >= y[k + 1]]
    out = []
    for j, e in enumerate(ext):
        prev_b = ext[j - 1] if j > 0 else -1
        next_b = ext[j + 1] if j + 1 < len(ext) else n
        lo, hi = max(e - n_fit, prev_b + 1), min(e + n_fit, next_b - 1)
        left = np.arange(lo, e)
        right = np.arange(e + 1, hi + 1)
        left, right = left[fin[left]], right[fin[right]]
        if len(left) < 2 or len(right) < 2:
            continue
        if y[e] - y[left].min() < min_depth or y[e] - y[right].min() < min_depth:
            continue
        if not (y[e] > y[e - 1] or y[e] > y[e + 1]):
            continue  # a flat stretch, not a reversal
        root = _fit_contact(left - e, y[left], right - e, y[right])
        if root is None or not np.isfinite(root) or abs(root) > max_shift_frames:
            continue
        out.append((e + root) / fps)
    return np.asarray(out, dtype=np.float64)


def contact_times(frames, fps, *, color=None, tol: float = KEY_TOLERANCE, threshold: float | None = None,
                  track: str = "y", matte: bool = False, **kw) -> np.ndarray:
    """Contact times (s) of one tracked object (see `object_weights`, `bounce_times`).

    track='y': vertical centroid, contacts at its bottoms (balls, drumsticks);
    track='gap': horizontal gap between two parts, contacts at its minima (clapping hands);
    track='edges': distance between the two parts' outer edges (`edge_gap_track`): for
    parts that cover each other where they meet. With a `color`, matte=True weights pixels
    by coverage (sub-pixel straight edges; see `object_weights`)."""
    w = object_weights(frames, color=color, tol=tol, threshold=threshold, matte=matte)
    if track == "y":
        return bounce_times(centroid_track(w)[0], fps, **kw)
    if track in ("gap", "edges"):
        kw.setdefault("bottom_is_max", False)
        return bounce_times((gap_track if track == "gap" else edge_gap_track)(w), fps, **kw)
    raise ValueError(f"track must be 'y', 'gap' or 'edges'; got {track!r}")


def color_curve(frames, color, tol: float = KEY_TOLERANCE) -> np.ndarray:
    """Mean per-pixel rectified rise of the colour-key weight (frame 0 is 0): something of
    `color` appearing (a key lighting up), even while another patch of it disappears."""
    w = object_weights(frames, color=color, tol=tol)
    c = np.zeros(len(w))
    c[1:] = np.maximum(w[1:] - w[:-1], 0.0).mean(axis=(1, 2))
    return c


def color_events(frames, fps, color, tol: float = KEY_TOLERANCE, **kw) -> VisualEvents:
    return pick_peaks(color_curve(frames, color, tol), fps, **kw)
