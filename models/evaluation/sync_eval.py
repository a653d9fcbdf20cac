"""Per-family A/V sync of one clip: which visual tracker and which audio stem fit which scene.

Offsets are t_audio - t_video (positive = audio late), as everywhere in `models/metrics`.

- ball: the vertical centroid of each ball (blob pixels and their anti-aliased rim, two
  balls split at the widest gap between their x positions), contacts at the bottoms of the
  track (parabola fits, sub-frame);
- clap: the horizontal gap between the two hands, contacts at its minima;
- drum: the stick tip (its fixed colour), contacts at the bottoms of its track;
- keyboard: the frame a new key lights up (notes start on frame times);
- face: the frame the mouth opens (rises of the mouth-opening curve, measured as the
  dark-red mouth pixels' weight) vs voice onsets, plus the lip-sync lag of that curve;
- glass: the frame of the largest brightness/motion change vs the loudest effects onset (one
  event; taken half a frame early, as the break happened between the two frames);
- storm: no offset; the delay from each flash to the next thunder onset is reported;
- rain: nothing to sync.
"""
from __future__ import annotations

import numpy as np

from ..metrics import bounce_times, centroid_track, contact_times, gap_track, lipsync_lag, sync_report
from ..metrics.visual_events import generic_curve, object_weights, pick_peaks
from .clipdata import ClipData
from .detectors import lit_keys

STICK_TIP = (200, 160, 110)
MOUTH = (110, 25, 35)
# The part each family's tracker follows by its colour (0..1 RGB): what losses.colour_key_loss keeps.
KEYED_PARTS = {"drum": tuple(v / 255 for v in STICK_TIP), "face": tuple(v / 255 for v in MOUTH)}
# A metal ball rings for ~0.35 s: its later, quieter bounces rise less above the ring than
# the detector's defaults ask (on rendered clips recall goes from 0.91 to 0.95, precision stays 1).
BALL_ONSETS = {"rel_max": 0.05, "level_db": 2.0, "min_rise_db": 3.0}
STEM = {"ball": "effects", "clap": "effects", "drum": "effects", "glass": "effects", "storm": "effects",
        "keyboard": "music", "face": "voice", "rain": "ambience"}


def ball_contacts(c: ClipData, count: int | None = None) -> np.ndarray:
    w = c.solid_weights
    tracks = [w]
    if (count or 1) > 1:
        xs = np.sort([b.cx for row in c.blobs for b in row])
        if len(xs) > 1:
            j = int(np.argmax(np.diff(xs)))
            split = 0.5 * (xs[j] + xs[j + 1])
            cols = np.arange(c.W) <= split
            tracks = [w * cols, w * ~cols]
    out = [bounce_times(centroid_track(t)[0], c.fps) for t in tracks]
    return np.sort(np.concatenate(out))


def clap_contacts(c: ClipData) -> np.ndarray:
    return bounce_times(gap_track(c.solid_weights), c.fps, bottom_is_max=False, n_fit=3)


def drum_contacts(c: ClipData) -> np.ndarray:
    return contact_times(c.frames, c.fps, color=np.array(STICK_TIP) / 255, n_fit=3)


def key_onsets(c: ClipData) -> np.ndarray:
    idx, _ = lit_keys(c)
    prev = np.r_[-1, idx[:-1]]
    return np.flatnonzero((idx >= 0) & (idx != prev)) / c.fps


def mouth_curve(c: ClipData) -> np.ndarray:
    """Mouth opening per frame: the summed weight of mouth-coloured pixels below the face's
    centre (the mouth is an ellipse that grows in height as it opens)."""
    rows = slice(int(0.5 * c.H), int(0.8 * c.H))
    cols = slice(int(0.25 * c.W), int(0.75 * c.W))
    w = object_weights(c.frames[:, rows, cols], color=np.array(MOUTH) / 255)
    return w.sum(axis=(1, 2)) / c.scale ** 2


def mouth_openings(c: ClipData, curve: np.ndarray | None = None) -> np.ndarray:
    m = mouth_curve(c) if curve is None else curve
    rise = np.zeros_like(m)
    rise[1:] = np.maximum(m[1:] - m[:-1], 0.0)
    return pick_peaks(rise, c.fps, min_value=2.0, rel_max=0.15).times


def onset_peaks(c: ClipData, stem: str, onsets: np.ndarray) -> np.ndarray:
    """Each onset's loudness: the stem's peak |amplitude| in the 30 ms from it."""
    x, n = c.audio(stem), int(0.03 * c.sr)
    return np.array([np.abs(x[int(t * c.sr):int(t * c.sr) + n]).max(initial=0.0) for t in onsets])


def glass_event(c: ClipData) -> tuple[np.ndarray, np.ndarray]:
    curve = generic_curve(c.frames)
    on = c.onsets("effects")
    if curve.max() <= 0 or len(on) == 0:
        return np.zeros(0), np.zeros(0)
    v = (int(np.argmax(curve)) - 0.5) / c.fps
    return np.array([v]), np.array([on[int(np.argmax(onset_peaks(c, "effects", on)))]])


def thunder_delays(c: ClipData) -> list[float]:
    lum = c.frames.mean(axis=(1, 2, 3))
    jump = np.r_[0.0, np.maximum(np.diff(lum), 0.0)]
    flashes = pick_peaks(jump, c.fps, min_value=0.1, refractory_s=0.3).times
    on = c.onsets("effects")
    out = []
    for t in flashes:
        after = on[on >= t - 0.02]
        if len(after):
            out.append(float(after[0] - t))
    return out


def _summary(rep) -> dict:
    return {"offsets_ms": [round(float(o), 3) for o in rep.offsets_ms], "n_visual": rep.n_visual,
            "n_audio": rep.n_audio, "n_pairs": rep.n_pairs,
            "n_matched": int(round(rep.recall * rep.n_visual)) if rep.n_visual else 0,
            "precision": rep.precision, "recall": rep.recall, "f1": rep.f1,
            "median_offset_ms": rep.median_offset_ms, "share_in_window": rep.share_in_window}


def sync_eval(c: ClipData, family: str, scene: dict | None = None) -> dict:
    """Sync measurement of one clip of `family` (see the module docstring). `scene` gives the
    asked ball count; everything else is read from the clip."""
    scene = scene or {}
    out: dict = {"family": family}
    audio = c.audio(STEM[family])
    if family == "rain":
        return out
    if family == "storm":
        out["thunder_delays_ms"] = [1000.0 * d for d in thunder_delays(c)]
        return out
    onsets = None
    mouth = None
    if family == "ball":
        v = ball_contacts(c, scene.get("count"))
    elif family == "clap":
        v = clap_contacts(c)
    elif family == "drum":
        v = drum_contacts(c)
    elif family == "keyboard":
        v = key_onsets(c)
    elif family == "face":
        mouth = mouth_curve(c)
        v = mouth_openings(c, mouth)
    elif family == "glass":
        v, onsets = glass_event(c)
    else:
        raise ValueError(f"unknown family {family!r}")
    if onsets is None:
        onsets = c.onsets(STEM[family], **(BALL_ONSETS if family == "ball" else {}))
    rep = sync_report(c.frames, audio, c.fps, c.sr, visual_events=v, audio_onsets=onsets)
    out.update(_summary(rep))
    if mouth is not None:
        out["lipsync_lag_ms"] = 1000.0 * lipsync_lag(mouth, c.fps, audio, c.sr).lag_s if mouth.max() > 0 else None
    return out
