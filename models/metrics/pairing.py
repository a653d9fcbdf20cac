"""Pair visual events with audio onsets and score the pairing.

Offset convention everywhere: delta = t_audio - t_video; positive = audio late.

`pair_events`: every (visual, audio) pair within +-`search_s` is a candidate; candidates are
taken greedily in order of distance and each event is used at most once (one-to-one). The
distance is measured from the consensus offset (the delta most candidate pairs agree on),
not from 0, so a global shift larger than half the event spacing still pairs each event
with its own sound; pass centre=0 for plain nearest-neighbour pairing.

`pairing_scores`: a pair counts as matched when |delta - centre| <= `tolerance_s`, where the
centre is the median delta of all pairs (`centred=True`, so F1 measures whether the events
correspond, independently of a global shift, which the median offset reports) or 0.
precision = matched audio onsets / all audio onsets,
recall = matched visual events / all visual events.

`at_resolution`: both event lists are compared at the audio onset detector's resolution
(`onsets.REFRACTORY_S`): events closer than that count once, the earlier one kept, on the
picture's side as on the sound's. Two balls landing 20 ms apart are two contacts to the
tracker but one onset to the detector; without this the world's own renders read as
missing a sound.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Pair:
    video_index: int
    audio_index: int
    t_video: float
    t_audio: float

    @property
    def offset(self) -> float:
        """t_audio - t_video in seconds (positive = audio late)."""
        return self.t_audio - self.t_video


@dataclass(frozen=True)
class PairingScores:
    precision: float
    recall: float
    f1: float
    n_matched: int
    centre: float  # seconds; the reference the tolerance is measured from


def kept_at_resolution(sorted_times, resolution_s: float) -> np.ndarray:
    """Indices of the events of sorted `sorted_times` that come at least `resolution_s` after
    the last one kept (the earlier wins): the rule `onsets.detect_onsets` applies to onsets
    and `visual_events.pick_peaks` to peaks."""
    kept, last = [], -np.inf
    for i, x in enumerate(sorted_times):
        if x - last >= resolution_s - 1e-9:
            kept.append(i)
            last = x
    return np.asarray(kept, dtype=np.int64)


def at_resolution(times, resolution_s: float) -> np.ndarray:
    """Sorted `times` with each event dropped that comes less than `resolution_s` after the
    last one kept (`kept_at_resolution`)."""
    t = np.sort(np.asarray(times, dtype=np.float64).ravel())
    return t[kept_at_resolution(t, resolution_s)]


def consensus_offset(video_times, audio_times, search_s: float = 0.25, bin_s: float = 0.02) -> float:
    """The offset most candidate pairs agree on: for each candidate difference d, count the
    differences within +-bin_s of it; take the mean of the best-supported group (ties: the
    smaller |d|). Robust to extra/missing events and to offsets above half the event
    spacing, where plain nearest-neighbour pairing would alias onto the wrong neighbour."""
    v = np.asarray(video_times, dtype=np.float64).ravel()
    a = np.asarray(audio_times, dtype=np.float64).ravel()
    d = (a[None, :] - v[:, None]).ravel()
    d = d[np.abs(d) <= search_s]
    if len(d) == 0:
        return 0.0
    support = (np.abs(d[:, None] - d[None, :]) <= bin_s).sum(axis=1)
    best = support == support.max()
    c = d[best][np.argmin(np.abs(d[best]))]
    return float(d[np.abs(d - c) <= bin_s].mean())


def pair_events(video_times, audio_times, search_s: float = 0.25, centre="consensus") -> list[Pair]:
    """Greedy one-to-one pairing within +-search_s; pairs sorted by video time.

    Candidates are taken in order of |delta - centre|: centre='consensus' uses
    `consensus_offset`, a number (seconds) fixes it, 0 gives plain nearest pairing."""
    v = np.asarray(video_times, dtype=np.float64).ravel()
    a = np.asarray(audio_times, dtype=np.float64).ravel()
    if len(v) == 0 or len(a) == 0:
        return []
    c = consensus_offset(v, a, search_s) if isinstance(centre, str) else float(centre)
    d = a[None, :] - v[:, None]
    iv, ia = np.nonzero(np.abs(d) <= search_s)
    order = np.argsort(np.abs(d[iv, ia] - c), kind="stable")
    used_v, used_a, pairs = set(), set(), []
    for j in order:
        i, k = int(iv[j]), int(ia[j])
        if i in used_v or k in used_a:
            continue
        used_v.add(i)
        used_a.add(k)
        pairs.append(Pair(i, k, float(v[i]), float(a[k])))
    return sorted(pairs, key=lambda p: p.t_video)


def pairing_scores(pairs, n_video: int, n_audio: int, tolerance_s: float = 0.045,
                   centred: bool = True) -> PairingScores:
    offs = np.array([p.offset for p in pairs], dtype=np.float64)
    centre = float(np.median(offs)) if (centred and len(offs)) else 0.0
    matched = int(np.sum(np.abs(offs - centre) <= tolerance_s + 1e-12)) if len(offs) else 0
    precision = matched / n_audio if n_audio else 0.0
    recall = matched / n_video if n_video else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return PairingScores(precision, recall, f1, matched, centre)
