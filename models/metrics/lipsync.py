"""Lip-sync lag from a mouth-opening curve and the voice envelope.

The mouth curve is only known at frame times k / fps, the voice envelope finely (1 ms).
For each candidate lag tau on a 1 ms grid within +-`max_lag_s`, the envelope is resampled
at the frame times shifted by tau (k / fps + tau, linear interpolation) and
Pearson-correlated with the mouth curve; the best tau is refined with a parabola through the
peak and its neighbours. Sign: positive lag = audio late (the voice follows the mouth).
The search window should stay below half the syllable period, or periodic speech aliases.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .onsets import envelope


class LipSyncResult(NamedTuple):
    lag_s: float        # positive = audio late
    correlation: float  # Pearson r at the best integer-grid lag
    lags_s: np.ndarray
    curve: np.ndarray   # correlation at each lag


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else 0.0


def voice_envelope(audio, sample_rate: int, hop_s: float = 0.001, win_s: float = 0.02):
    """(times, rms) of the voice with a 20 ms window: smooth enough to follow syllables."""
    return envelope(audio, sample_rate, hop_s=hop_s, win_s=win_s)


def lipsync_lag(mouth, fps, audio, sample_rate: int, *, max_lag_s: float = 0.2,
                step_s: float = 0.001, win_s: float = 0.02) -> LipSyncResult:
    """Lag (s) maximising the correlation of mouth opening with the voice envelope."""
    m = np.asarray(mouth, dtype=np.float64).ravel()
    fps = float(fps)
    t_env, env = voice_envelope(audio, sample_rate, hop_s=step_s, win_s=win_s)
    frame_t = np.arange(len(m)) / fps
    lags = np.arange(-round(max_lag_s / step_s), round(max_lag_s / step_s) + 1) * step_s
    curve = np.full(len(lags), -np.inf)
    if len(env) < 2 or len(m) < 3:
        return LipSyncResult(float("nan"), float("nan"), lags, curve)
    for j, tau in enumerate(lags):
        ts = frame_t + tau
        ok = (ts >= t_env[0]) & (ts <= t_env[-1])
        if ok.sum() < 3:
            continue
        curve[j] = _pearson(m[ok], np.interp(ts[ok], t_env, env))
    j = int(np.argmax(curve))
    lag = lags[j]
    if 0 < j < len(lags) - 1 and np.all(np.isfinite(curve[j - 1:j + 2])):
        y0, y1, y2 = curve[j - 1:j + 2]
        den = y0 - 2 * y1 + y2
        if den < 0:
            lag += 0.5 * (y0 - y2) / den * step_s
    return LipSyncResult(float(lag), float(curve[j]), lags, curve)
