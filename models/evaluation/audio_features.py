"""Audio features for the detectors: dominant frequency, spectral centroid, f0 by autocorrelation.

All take mono float audio (numpy or torch, [N], [C, N] or [1, C, N]) at sample rate `sr`.
"""
from __future__ import annotations

import numpy as np


def mono(audio) -> np.ndarray:
    if hasattr(audio, "detach"):
        audio = audio.detach().cpu().float().numpy()
    a = np.nan_to_num(np.asarray(audio, np.float64))
    while a.ndim > 1:
        a = a.mean(axis=0)
    return a


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def peak_frequency(x: np.ndarray, sr: int, fmin: float = 30.0, fmax: float | None = None,
                   pad_to: int = 1 << 15) -> float | None:
    """Frequency (Hz) of the strongest spectral peak in [fmin, fmax]: Hann window, zero padding
    and a parabola through the log-magnitude peak give a few Hz even from 100 ms."""
    if len(x) < 16 or not np.any(x):
        return None
    n = max(pad_to, 1 << int(np.ceil(np.log2(len(x)))))
    mag = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    f = np.fft.rfftfreq(n, 1 / sr)
    band = (f >= fmin) & (f <= (fmax or sr / 2))
    if not band.any() or mag[band].max() <= 0:
        return None
    j = int(np.flatnonzero(band)[np.argmax(mag[band])])
    if 0 < j < len(mag) - 1:
        y0, y1, y2 = np.log(mag[j - 1:j + 2] + 1e-12)
        den = y0 - 2 * y1 + y2
        if den < 0:
            return float(f[j] + 0.5 * (y0 - y2) / den * (f[1] - f[0]))
    return float(f[j])


def spectral_centroid(x: np.ndarray, sr: int) -> float | None:
    """Power-weighted mean frequency (Hz) of the whole signal."""
    if len(x) < 16 or not np.any(x):
        return None
    p = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    f = np.fft.rfftfreq(len(x), 1 / sr)
    return float((p * f).sum() / max(p.sum(), 1e-30))


def segments_after(x: np.ndarray, sr: int, times, skip_s: float = 0.005, length_s: float = 0.08):
    """Slices of `x` starting `skip_s` after each time (past the attack noise), `length_s` long."""
    out = []
    for t in times:
        a = int(round((t + skip_s) * sr))
        b = min(len(x), a + int(round(length_s * sr)))
        if b - a >= int(0.02 * sr):
            out.append(x[a:b])
    return out


def f0_autocorr(x: np.ndarray, sr: int, fmin: float = 60.0, fmax: float = 400.0, frame_s: float = 0.04,
                voiced_rel: float = 0.25, min_clarity: float = 0.5) -> float | None:
    """Median f0 (Hz) over voiced frames: the lag of the highest normalised autocorrelation
    peak in [1/fmax, 1/fmin]. Frames are voiced when their RMS is above `voiced_rel` of the
    loudest frame's and their autocorrelation peak is above `min_clarity`. Taking the first
    lag whose value is within 90% of the best avoids octave-down errors."""
    n = int(frame_s * sr)
    if len(x) < 2 * n:
        return None
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[::n // 2]
    level = np.sqrt((frames ** 2).mean(axis=1))
    if level.max() <= 0:
        return None
    lo, hi = int(sr / fmax), min(int(sr / fmin), n - 1)
    f0s = []
    for fr in frames[level >= voiced_rel * level.max()]:
        fr = fr - fr.mean()
        spec = np.fft.rfft(fr, 2 * n)
        ac = np.fft.irfft(np.abs(spec) ** 2)[:n]
        if ac[0] <= 0:
            continue
        ac = ac / ac[0] * n / (n - np.arange(n))  # unbiased: long lags are not penalised
        seg = ac[lo:hi + 1]
        best = seg.max()
        if best < min_clarity:
            continue
        peaks = np.flatnonzero((seg[1:-1] >= seg[:-2]) & (seg[1:-1] >= seg[2:]) & (seg[1:-1] >= 0.9 * best)) + 1
        k = int(peaks[0]) if len(peaks) else int(np.argmax(seg))
        f0s.append(sr / (lo + k))
    return float(np.median(f0s)) if f0s else None
