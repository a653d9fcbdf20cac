"""Weight-free audio onset detection with millisecond (sample) precision.

Algorithm (`detect_onsets`), on the pre-emphasised signal x[n] - 0.97 x[n-1]:
1. log-energy e[i] (dB) of `win_s` (4 ms) windows every `hop_s` (1 ms), floored at
   `floor_db` below the loudest window so digital silence does not make infinite rises;
2. positive flux f[i] = max(0, e[i] - max(e[i-L-M+1 .. i-L])) with L = win/hop and M the
   `lookback_s` (20 ms) in hops: the rise over the loudest window that ended before this one
   began. Comparing across a whole window matters because with 4x overlap a one-hop
   difference sees only a quarter of a step; comparing with a recent maximum (not one
   value) keeps low notes and beating ring-downs, whose short-window energy wobbles,
   from firing;
3. a hop is a candidate when f exceeds max(median + k*MAD, rel_max * max f, min_rise_db)
   and the level is `level_db` above the minimum of the previous `lookback_s`;
   each contiguous run of candidates gives one onset at its flux peak, and onsets closer
   than `refractory_s` to the previous one are dropped;
4. refine to the sample: from one window before the detected window start, the first
   sample whose |x| (the plain signal; the emphasised one when the plain one is already
   above the crossing there, i.e. a hit on a still-ringing object) reaches `crossing`
   (15 %; lower than the classic 25 % because tones peak a few ms in) of the local peak, the largest |x| in the
   next `peak_search_s` (30 ms). Looking that far ahead matters: an AAC pre-echo (quiet
   noise up to one transform block before a transient) is itself an energy rise from
   silence, and must be refined onto the transient it precedes; two detections that
   refine closer than `refractory_s` count once. Slow attacks bias the result by a few
   ms; impacts, clicks and plucks land within a sample or two.
5. a detection whose local peak stays `pre_echo_db` (30 dB) below the loudest sample of the
   next `pre_echo_s` (140 ms) is an AAC pre-echo that starts further ahead than the peak
   search reaches, and is dropped;
6. when something already sounds in the `lookback_s` before the crossing (the ring of an
   earlier hit, a fading note, a pre-echo), that stretch is modelled by linear prediction
   and the onset is where the prediction residual rises above it
   (`_past_what_sounded_before`): without this a quiet bounce on a still-ringing metal
   ball lands on the ring, ~5 ms early.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


GUARD_S = 0.002  # the last 2 ms before a crossing may already hold the new sound
# Onsets closer than this count once: a hit on a still-ringing object must not fire twice.
# It is also the time resolution of every event list the sync metrics compare
# (`pairing.at_resolution`).
REFRACTORY_S = 0.07
# The flux's windows and floor (`detect_onsets`' defaults, steps 1-2); the differentiable
# twin the audio decoder trains against (`training.losses.onset_flux`) reads them from here.
WIN_S, HOP_S, LOOKBACK_S, FLOOR_DB, PREEMPHASIS = 0.004, 0.001, 0.02, 60.0, 0.97


class Onsets(NamedTuple):
    times: np.ndarray      # seconds, float64
    strengths: np.ndarray  # flux at the detection (dB rise across one window)


def _mono(audio) -> np.ndarray:
    if hasattr(audio, "detach"):
        audio = audio.detach().cpu().numpy()
    a = np.asarray(audio, dtype=np.float64)
    if a.ndim == 2:
        a = a.mean(axis=0)
    if a.ndim != 1:
        raise ValueError(f"audio must be [N] or [C, N]; got shape {a.shape}")
    return np.nan_to_num(a)


def _window_power(x: np.ndarray, win: int, hop: int) -> np.ndarray:
    """Mean power of windows x[i*hop : i*hop+win] via a cumulative sum (O(N))."""
    if len(x) < win:
        return np.zeros(0)
    cs = np.concatenate([[0.0], np.cumsum(x * x)])
    starts = np.arange(0, len(x) - win + 1, hop)
    return np.maximum(cs[starts + win] - cs[starts], 0.0) / win


def envelope(audio, sr: int, hop_s: float = 0.001, win_s: float | None = None):
    """RMS envelope of (mono-mixed) audio. Returns (times, rms): times are window centres
    in seconds, one every `hop_s`; the window defaults to max(4 ms, hop)."""
    x = _mono(audio)
    hop = max(1, round(hop_s * sr))
    win = max(hop, round((win_s if win_s is not None else max(0.004, hop_s)) * sr))
    p = _window_power(x, win, hop)
    times = (np.arange(len(p)) * hop + win / 2.0) / sr
    return times, np.sqrt(p)


def flux_windows(sr: int, win_s: float = WIN_S, hop_s: float = HOP_S,
                 lookback_s: float = LOOKBACK_S) -> tuple[int, int, int, int]:
    """(win, hop) in samples and (lag, look) in hops: a window's length and step, how many hops
    a window spans, and how many hops back its rise is measured against (step 2)."""
    win = max(2, round(win_s * sr))
    hop = max(1, round(hop_s * sr))
    return win, hop, max(1, round(win / hop)), max(1, round(lookback_s / (hop / sr)))


def _log_energy_flux(x, win, hop, lag, look, floor_db):
    """(e, f): log-energy per window and its rise over the recent maximum (see step 2)."""
    p = _window_power(x, win, hop)
    if len(p) == 0 or p.max() <= 0:
        return np.zeros(0), np.zeros(0)
    e = 10.0 * np.log10(p + max(p.max() * 10.0 ** (-floor_db / 10.0), 1e-20))
    # Reference = the loudest window among those ending before the current one starts,
    # over `look` hops: a 4 ms window rides up and down on a low note or a beating
    # ring-down, but a decaying sound never climbs above its own recent maximum.
    ref = np.full_like(e, -np.inf)
    for j in range(lag, lag + look):
        if j < len(e):
            ref[j:] = np.maximum(ref[j:], e[:-j])
    f = np.where(np.isfinite(ref), np.maximum(e - ref, 0.0), 0.0)
    return e, f


def _ring_residual(sig: np.ndarray, start: int, hi: int, n_fit: int, order: int = 24) -> np.ndarray:
    """sig[start - n_fit:hi] minus its linear prediction from a model of sig[start - n_fit:start].

    A ringing object or a fading note is a sum of decaying sinusoids, which a short linear
    predictor (least squares, lightly regularised) continues almost exactly; a new hit is
    what it cannot predict. Noise (an AAC pre-echo) stays in the residual."""
    a0 = start - n_fit
    order = min(order, n_fit // 4, a0)
    if order < 2:
        return sig[a0:hi]
    past = np.lib.stride_tricks.sliding_window_view(sig[a0 - order:hi - 1], order)[:, ::-1]  # x[n-1..n-order]
    rows = past[:n_fit]
    gram = rows.T @ rows
    ridge = 1e-6 * np.trace(gram) / order + 1e-12
    coef = np.linalg.solve(gram + ridge * np.eye(order), rows.T @ sig[a0:start])
    return sig[a0:hi] - past @ coef


def _past_what_sounded_before(sig: np.ndarray, first: int, hi: int, n_look: int, crossing: float,
                              guard: int, quiet: float = 0.5, margin: float = 1.5) -> int:
    """Move a crossing off whatever already sounded in the `n_look` samples before it.

    When that stretch reaches `quiet` x the crossing level, the crossing may sit on the
    ring of an earlier hit (a quiet bounce on a still-ringing metal ball) or on an AAC
    pre-echo (codec noise spread over the block before a transient), up to a window or
    more early. Then the stretch up to `guard` samples before the crossing (which may
    already hold the new sound's first samples) is modelled (`_ring_residual`), and the
    onset is the first sample from there whose residual reaches the crossing of its own
    peak and `margin` x the largest residual of the modelled stretch."""
    start = max(0, first - guard)
    n_pre = min(n_look, start)
    post = np.abs(sig[start:hi])
    if n_pre < 8 or len(post) == 0 or np.abs(sig[start - n_pre:start]).max() < quiet * crossing * post.max():
        return first
    res = np.abs(_ring_residual(sig, start, hi, n_pre))
    pre, post = res[:n_pre], res[n_pre:]
    thr = max(crossing * post.max(), margin * pre.max())
    if thr >= post.max():
        return first
    return start + int(np.argmax(post >= thr))

def detect_onsets(audio, sr: int, *, win_s: float = WIN_S, hop_s: float = HOP_S,
                  refractory_s: float = REFRACTORY_S, k_mad: float = 8.0, rel_max: float = 0.1,
                  min_rise_db: float = 6.0, level_db: float = 6.0, lookback_s: float = LOOKBACK_S,
                  min_raw_rise_db: float = 0.5,
                  floor_db: float = FLOOR_DB, crossing: float = 0.15,
                  peak_search_s: float = 0.03, preemphasis: float = PREEMPHASIS,
                  pre_echo_s: float = 0.14, pre_echo_db: float = 30.0) -> Onsets:
    """Onset times (s) and strengths of mono or [C, N] float audio at any sample rate."""
    raw = _mono(audio)
    x = raw
    if preemphasis:
        # y[n] = x[n] - a*x[n-1]: lifts the broadband attack of a hit over the low, tonal
        # ring-down of earlier hits (a quiet bounce on a still-ringing metal ball).
        x = np.concatenate([raw[:1], raw[1:] - preemphasis * raw[:-1]])
    win, hop, lag, look = flux_windows(sr, win_s, hop_s, lookback_s)
    empty = Onsets(np.zeros(0), np.zeros(0))
    e, f = _log_energy_flux(x, win, hop, lag, look, floor_db)
    if len(e) < 3:
        return empty
    # Pre-emphasis also turns a cut-off (a step) into a click; require the plain signal's
    # energy to rise as well, which a sound ending never does.
    raw_rise = f
    if preemphasis:
        r = _log_energy_flux(raw, win, hop, lag, look, floor_db)[1]
        raw_rise = r.copy()  # allow the two rises to peak up to one window apart
        for j in range(1, lag + 1):
            raw_rise[j:] = np.maximum(raw_rise[j:], r[:-j])
            raw_rise[:-j] = np.maximum(raw_rise[:-j], r[j:])

    med = np.median(f)
    mad = np.median(np.abs(f - med))
    thr = max(med + k_mad * 1.4826 * mad, rel_max * f.max(), min_rise_db)
    # Minimum level over the previous `look` hops (excluding the current one).
    prev_min = np.full_like(e, np.inf)
    for j in range(1, look + 1):
        prev_min[j:] = np.minimum(prev_min[j:], e[:-j])
    cand = (f > thr) & (e - prev_min >= level_db) & (raw_rise > min_raw_rise_db)

    times, strengths = [], []
    last = -np.inf
    refr = refractory_s * sr
    idx = np.flatnonzero(cand)
    if len(idx) == 0:
        return empty
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    for run in runs:
        i = run[np.argmax(f[run])]
        s = int(i) * hop
        lo = max(0, s - win - hop)
        hi = min(len(x), s + max(2 * win, round(peak_search_s * sr)))
        first = sig = None
        # Refine on the plain signal (tones peak a few ms after they start, and pre-emphasis
        # thins their low partials); if a louder earlier sound is still above the crossing
        # at the start of the search (a hit on a ringing object), use the emphasised one.
        for sig in ((raw, x) if preemphasis else (x,)):
            seg = np.abs(sig[lo:hi])
            pk = int(np.argmax(seg))
            if seg[pk] <= 0:
                continue
            k0 = int(np.argmax(seg[:pk + 1] >= crossing * seg[pk]))
            first = lo + k0
            if k0 > 0:
                break
        if first is None:
            continue
        # An AAC pre-echo can start a whole transform block (up to ~130 ms at 16 kHz) before
        # its transient, beyond the peak search: a rise that stays `pre_echo_db` below what
        # follows within `pre_echo_s` is that echo, not a sound of its own.
        ahead = np.abs(raw[lo:min(len(raw), s + round(pre_echo_s * sr))]).max(initial=0.0)
        if np.abs(raw[lo:hi]).max(initial=0.0) < ahead * 10.0 ** (-pre_echo_db / 20.0):
            continue
        first = _past_what_sounded_before(sig, first, hi, look * hop, crossing, round(GUARD_S * sr))
        if first - last < refr:
            continue
        last = first
        times.append(first / sr)
        strengths.append(f[i])
    return Onsets(np.asarray(times, dtype=np.float64), np.asarray(strengths, dtype=np.float64))
