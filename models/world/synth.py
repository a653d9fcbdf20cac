"""Sound synthesis for the Foley world: small, vectorised numpy building blocks.

Every sound is placed at an exact sample index computed from the event's time, so the
world's audio carries ground-truth onsets to the sample.
"""
from __future__ import annotations

import numpy as np

FADE_OUT_S = 0.002  # modal sounds end with this linear fade


def place(stem: np.ndarray, sound: np.ndarray, t: float, sr: int) -> None:
    """Add `sound` into `stem` starting at time `t` seconds (rounded to the nearest sample)."""
    start = int(round(t * sr))
    if start >= len(stem) or start + len(sound) <= 0:
        return
    a, b = max(0, start), min(len(stem), start + len(sound))
    stem[a:b] += sound[a - start:b - start]


def modal(sr: int, freqs, decays, amps, seconds: float, rng: np.random.Generator,
          attack_noise: float = 0.0, noise_decay: float = 0.004) -> np.ndarray:
    """A struck object: a sum of exponentially decaying sinusoids (its modes) plus an
    optional short noise transient. Attack is instantaneous so the onset is sharp."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    out = np.zeros(n, np.float64)
    for f, d, a in zip(freqs, decays, amps):
        if f >= sr / 2:
            continue
        out += a * np.exp(-t / d) * np.sin(2 * np.pi * f * t + rng.uniform(0, 0.3))
    if attack_noise > 0:
        out += attack_noise * rng.standard_normal(n) * np.exp(-t / noise_decay)
    # Slow modes are still ringing at `seconds` (a metal ball at 0.6 s is at ~18 %): fade
    # the last 2 ms so the sound does not end in a click (a false onset, an audible tick).
    fade = min(n, max(1, round(FADE_OUT_S * sr)))
    out[n - fade:] *= np.linspace(1.0, 0.0, fade)
    return out.astype(np.float32)


def noise_burst(sr: int, seconds: float, decay: float, band: tuple[float, float],
                rng: np.random.Generator, attack: float = 0.0005) -> np.ndarray:
    """Band-limited noise with a fast attack and exponential decay (claps, cracks, ticks)."""
    n = int(seconds * sr)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / sr)
    lo, hi = band
    spec *= np.exp(-0.5 * (np.log(np.maximum(f, 1.0) / np.sqrt(lo * hi)) / (0.5 * np.log(hi / lo) + 1e-6)) ** 2)
    x = np.fft.irfft(spec, n)
    x /= np.abs(x).max() + 1e-9
    t = np.arange(n) / sr
    env = np.minimum(1.0, t / max(attack, 1.0 / sr)) * np.exp(-t / decay)
    return (x * env).astype(np.float32)


def coloured_noise(n: int, sr: int, rng: np.random.Generator, slope_db_per_oct: float,
                   lowpass: float | None = None, highpass: float | None = None) -> np.ndarray:
    """Stationary noise with a spectral slope (0 = white, -3 = pink, -6 = brown), unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / sr), 20.0)
    gain = (f / 1000.0) ** (slope_db_per_oct / 6.02)
    if lowpass:
        gain /= np.sqrt(1 + (f / lowpass) ** 4)
    if highpass:
        gain /= np.sqrt(1 + (highpass / f) ** 4)
    x = np.fft.irfft(spec * gain, n)
    return (x / (x.std() + 1e-9)).astype(np.float32)


def harmonic_tone(sr: int, f0: float, seconds: float, decay: float, rng: np.random.Generator,
                  n_partials: int = 6, release: float = 0.03) -> np.ndarray:
    """A plucked/struck string-like note: harmonics with 1/k amplitudes, faster decay up high."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    out = np.zeros(n, np.float64)
    for k in range(1, n_partials + 1):
        if k * f0 >= sr / 2:
            break
        out += (1.0 / k) * np.exp(-t * k ** 0.5 / decay) * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 0.2))
    tail = np.clip((seconds - t) / release, 0, 1)  # fade at note-off, no click
    attack = np.minimum(1.0, t / 0.002)
    return (out * tail * attack / 1.6).astype(np.float32)


VOWEL_FORMANTS = {  # (F1, F2, F3) in Hz, adult averages
    "a": (800, 1200, 2500), "e": (500, 1900, 2500), "i": (300, 2300, 3000),
    "o": (500, 900, 2400), "u": (330, 800, 2300),
}
VOWEL_OPENNESS = {"a": 1.0, "o": 0.8, "e": 0.65, "u": 0.5, "i": 0.4}


def voiced_syllable(sr: int, f0: float, vowel: str, seconds: float, rng: np.random.Generator,
                    consonant: bool) -> tuple[np.ndarray, np.ndarray]:
    """Source-filter vowel: a glottal pulse train shaped by formant resonances.

    Returns (audio, amplitude envelope). The envelope is what drives the mouth opening,
    so lip motion and voice come from one signal."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    glide = f0 * (1 + 0.06 * np.sin(2 * np.pi * rng.uniform(1.5, 3.0) * t + rng.uniform(0, 6.28)))
    phase = np.cumsum(glide) / sr
    source = 2 * (phase % 1.0) - 1.0  # sawtooth: all harmonics, like a glottal source
    spec = np.fft.rfft(source)
    f = np.fft.rfftfreq(n, 1 / sr)
    shape = np.zeros_like(f)
    for i, fm in enumerate(VOWEL_FORMANTS[vowel]):
        bw = 60 + 40 * i
        shape += (0.8 ** i) / (1 + ((f - fm) / bw) ** 2)
    x = np.fft.irfft(spec * shape, n)
    x /= np.abs(x).max() + 1e-9
    attack, release = 0.012, 0.04
    env = np.minimum(1.0, t / attack) * np.clip((seconds - t) / release, 0, 1)
    out = x * env * 0.8
    if consonant:  # a short fricative/plosive burst leading the vowel
        burst = noise_burst(sr, 0.03, 0.008, (2500, 6000), rng)
        out[: len(burst)] += 0.35 * burst
    return out.astype(np.float32), env.astype(np.float32)
