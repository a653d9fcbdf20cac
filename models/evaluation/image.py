"""Picture helpers for the detectors: background colour, foreground weights, connected blobs.

Everything works on float frames [T, H, W, 3] in 0..1 (see `as_frames`), so rendered uint8
clips and generated float clips go through the same code. The Foley world paints objects on a
near-uniform dark background; the background colour of a frame is the median of its top rows
(objects seldom cover the whole sky), which, unlike a temporal median, also works for objects
that rest in one place for most of the clip.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..metrics.visual_events import to_float_frames


def as_frames(frames) -> np.ndarray:
    """[T,H,W,3] or [1,T,H,W,3] (uint8 / float, numpy / torch) -> float32 [T,H,W,3] in 0..1."""
    if hasattr(frames, "detach"):
        frames = frames.detach().cpu().float().numpy()
    f = np.asarray(frames)
    if f.ndim == 5:
        f = f[0]
    return to_float_frames(f)[..., :3]


SKY_ROWS = 0.2  # the top share of the picture whose median colour is the sky (background)


def background_colour(frames: np.ndarray, rows: float = SKY_ROWS) -> np.ndarray:
    """Per-frame background colour [T, 3]: the median of the top `rows` of the picture."""
    k = max(1, int(round(rows * frames.shape[1])))
    return np.median(frames[:, :k].reshape(len(frames), -1, 3), axis=1)


def foreground_distance(frames: np.ndarray, bg: np.ndarray | None = None) -> np.ndarray:
    """max_c |p - bg| per pixel [T, H, W]: proportional to an object's anti-aliased coverage."""
    bg = background_colour(frames) if bg is None else bg
    return np.abs(frames - bg[:, None, None, :]).max(axis=-1)


def label_components(mask: np.ndarray, max_iter: int = 256) -> np.ndarray:
    """4-connected component labels of a boolean mask [..., H, W] (0 = background).

    Vectorised min-label propagation over all frames at once: each pixel takes the smallest
    label among itself and its neighbours until nothing changes; iterations grow with the
    blob diameter, which is small at 64 px. Labels are unique across frames."""
    m = np.asarray(mask, bool)
    big = np.iinfo(np.int64).max
    lab = np.where(m, np.arange(1, m.size + 1, dtype=np.int64).reshape(m.shape), big)
    for _ in range(max_iter):
        nb = lab.copy()
        nb[..., 1:, :] = np.minimum(nb[..., 1:, :], lab[..., :-1, :])
        nb[..., :-1, :] = np.minimum(nb[..., :-1, :], lab[..., 1:, :])
        nb[..., :, 1:] = np.minimum(nb[..., :, 1:], lab[..., :, :-1])
        nb[..., :, :-1] = np.minimum(nb[..., :, :-1], lab[..., :, 1:])
        nb = np.where(m, nb, big)
        if np.array_equal(nb, lab):
            break
        lab = nb
    return np.where(m, lab, 0)


class Blob(NamedTuple):
    frame: int
    area: int          # pixels in the mask
    cy: float
    cx: float
    height: int        # bounding box
    width: int
    fill: float        # area / bounding-box area: a disc fills pi/4 of its box, a smear far less
    colour: np.ndarray  # median RGB (0..1) of the blob's core pixels


def blobs(frames: np.ndarray, lab: np.ndarray, min_area: int, core: np.ndarray | None = None) -> list[list[Blob]]:
    """Blobs of a component labelling `lab` [T,H,W] (`label_components`) with at least
    `min_area` pixels, per frame, largest first. `core` (default: all labelled pixels)
    selects the pixels whose median colour is the blob's."""
    core = lab > 0 if core is None else core
    out: list[list[Blob]] = [[] for _ in range(len(lab))]
    t, ys, xs = np.nonzero(lab)
    ids = lab[t, ys, xs]
    order = np.argsort(ids, kind="stable")
    t, ys, xs, ids = t[order], ys[order], xs[order], ids[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    for a, b in zip(starts, np.r_[starts[1:], len(ids)]):
        if b - a < min_area:
            continue
        k, by, bx = int(t[a]), ys[a:b], xs[a:b]
        sel = core[k, by, bx]
        pix = frames[k, by[sel], bx[sel]] if sel.any() else frames[k, by, bx]
        h, w = int(by.max() - by.min() + 1), int(bx.max() - bx.min() + 1)
        out[k].append(Blob(k, int(b - a), float(by.mean()), float(bx.mean()), h, w, (b - a) / (h * w),
                           np.median(pix, axis=0)))
    for row in out:
        row.sort(key=lambda b: -b.area)
    return out


def nearest_colour(rgb, palette: dict) -> tuple[str, float]:
    """(name, distance in 0..1 RGB units) of the palette entry nearest to `rgb` (0..1)."""
    names = list(palette)
    ref = np.array([palette[n] for n in names], np.float64) / 255.0
    d = np.linalg.norm(ref - np.asarray(rgb, np.float64)[None, :3], axis=1)
    j = int(np.argmin(d))
    return names[j], float(d[j])


def large_components(lab: np.ndarray, min_area: int) -> np.ndarray:
    """Boolean mask of the labelled components with at least `min_area` pixels."""
    ids, counts = np.unique(lab, return_counts=True)
    keep = ids[(counts >= min_area) & (ids > 0)]
    return np.isin(lab, keep)


def dilate(mask: np.ndarray) -> np.ndarray:
    """One-pixel 4-neighbour dilation over the last two axes."""
    m = mask.copy()
    m[..., 1:, :] |= mask[..., :-1, :]
    m[..., :-1, :] |= mask[..., 1:, :]
    m[..., :, 1:] |= mask[..., :, :-1]
    m[..., :, :-1] |= mask[..., :, 1:]
    return m
