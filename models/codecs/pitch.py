"""A pitch side channel for the audio latent: each 32 ms token's fundamental, tracked from the
stem itself, and the phase turn of a harmonic series for the decoder.

Why: the learned latent (8 numbers per stem per token, from a 256-point spectrum whose bins are
62.5 Hz wide) keeps neither which note a key played nor whether a voice is low or high: the
shipped decoder gives low voices back an octave up and every note near one frequency. A
tracked fundamental is two numbers a token and says both exactly; the decoder turns it into
each bin's phase advance (`harmonic_turn`), as harmonic-plus-noise vocoders do, so a tone comes
out at its own pitch whatever the 62.5 Hz bins would round it to.

The tracker is YIN (de Cheveigné & Kawahara 2002): the cumulative-mean-normalised difference
of a 64 ms window, the first dip under a threshold, refined by a parabola. Its aperiodicity
(the dip's depth) is the voicing: ~1 for a held note or a vowel, ~0 for rain or silence."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..config import PITCHED_STEMS, STEMS

PITCH_CHANNELS = 2          # (voicing 0..1, log2 of f0 over REFERENCE_HZ; 0 where unvoiced)
REFERENCE_HZ = 200.0
F0_RANGE_HZ = (60.0, 1000.0)
WINDOW = 1024               # samples a token's pitch is read over (64 ms at 16 kHz), centred on it
DIP_THRESHOLD = 0.15        # YIN's absolute threshold on the normalised difference
VOICED = 0.5                # voicing above which the log-f0 channel is set (below: 0)
SILENCE_RMS = 1e-4


def _normalised_difference(frames: torch.Tensor, lag_max: int) -> torch.Tensor:
    """frames [..., W] -> YIN's cumulative-mean-normalised difference d'[..., lag_max + 1]."""
    W = frames.shape[-1]
    span = W - lag_max                                   # samples each lag's difference sums over
    n = 2 * W
    head = frames[..., :span]
    corr = torch.fft.irfft(torch.conj(torch.fft.rfft(head, n)) * torch.fft.rfft(frames, n), n)[..., :lag_max + 1]
    energy = F.pad(torch.cumsum(frames * frames, -1), (1, 0))
    lags = torch.arange(lag_max + 1, device=frames.device)
    e_lag = energy[..., lags + span] - energy[..., lags]
    diff = (energy[..., span:span + 1] + e_lag - 2 * corr).clamp(min=0)
    running = torch.cumsum(diff[..., 1:], -1) / lags[1:]
    return torch.cat([torch.ones_like(diff[..., :1]), diff[..., 1:] / running.clamp(min=1e-12)], -1)


def _prefer_double_period(d: torch.Tensor, lag: torch.Tensor, lag_max: int) -> torch.Tensor:
    """YIN's first dip can be half the period where a formant boosts the second harmonic (a
    vowel at 230 Hz read as 470 Hz). Take twice the lag when the difference there is under
    half the dip's and the dip itself is not clean (a true tone dips near 0 at every period)."""
    near = torch.arange(-3, 4, device=d.device)
    double = (2 * lag[..., None] + near).clamp(1, lag_max)
    values = d.gather(-1, double)
    best = values.argmin(-1, keepdim=True)
    at_double, there = double.gather(-1, best)[..., 0], values.gather(-1, best)[..., 0]
    here = d.gather(-1, lag[..., None])[..., 0]
    better = (2 * lag + 3 <= lag_max) & (here > 0.05) & (there < 0.5 * here)
    return torch.where(better, at_double.clamp(max=lag_max - 1), lag)


def track_pitch(wave: torch.Tensor, sample_rate: int, token_samples: int) -> torch.Tensor:
    """wave [N, S] -> [N, S // token_samples, PITCH_CHANNELS]: per token, the voicing and
    log2(f0 / REFERENCE_HZ) (0 where the voicing is under VOICED)."""
    N, S = wave.shape
    L = S // token_samples
    lag_min = int(sample_rate / F0_RANGE_HZ[1])
    lag_max = int(math.ceil(sample_rate / F0_RANGE_HZ[0]))
    side = (WINDOW - token_samples) // 2                  # windows centred on each token's middle
    padded = F.pad(wave.float(), (side, WINDOW - token_samples - side))
    frames = padded.unfold(-1, WINDOW, token_samples)[:, :L]          # [N, L, WINDOW]
    frames = frames - frames.mean(-1, keepdim=True)
    d = _normalised_difference(frames, lag_max)
    search = d[..., lag_min:lag_max]                                   # lags lag_min .. lag_max-1
    inner = search[..., 1:-1]
    dips = (inner < DIP_THRESHOLD) & (inner <= search[..., :-2]) & (inner <= search[..., 2:])
    first = torch.where(dips.any(-1), dips.float().argmax(-1) + 1, search.argmin(-1))
    lag = (first + lag_min).clamp(lag_min + 1, lag_max - 1)
    for _ in range(2):
        lag = _prefer_double_period(d, lag, lag_max)
    # a parabola through the dip and its neighbours places it between lags
    y0, y1, y2 = (d.gather(-1, (lag + k)[..., None])[..., 0] for k in (-1, 0, 1))
    bend = y0 - 2 * y1 + y2
    shift = torch.where(bend > 1e-9, 0.5 * (y0 - y2) / bend.clamp(min=1e-9), torch.zeros_like(bend)).clamp(-0.5, 0.5)
    f0 = sample_rate / (lag.float() + shift)
    voicing = (1 - y1).clamp(0, 1)
    # a window whose first part is silent has no difference to speak of at any lag
    head_rms = frames[..., :WINDOW - lag_max].pow(2).mean(-1).sqrt()
    voicing = torch.where(head_rms > SILENCE_RMS, voicing, torch.zeros_like(voicing))
    log_f0 = torch.where(voicing > VOICED, torch.log2(f0 / REFERENCE_HZ), torch.zeros_like(f0))
    return torch.stack([voicing, log_f0], -1)


def pitch_at_frames(pitch: torch.Tensor, hops_per_token: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-token pitch channels [N, L, 2] -> (f0 Hz, voicing), each [N, L * hops_per_token]:
    linear in log frequency between token centres, so a glide stays a glide."""
    per_frame = F.interpolate(pitch.transpose(1, 2), scale_factor=hops_per_token, mode="linear",
                              align_corners=False)
    voicing, log_f0 = per_frame[:, 0].clamp(0, 1), per_frame[:, 1]
    return REFERENCE_HZ * torch.exp2(log_f0.clamp(-3, 3)), voicing


def harmonic_turn(f0: torch.Tensor, n_fft: int, hop: int, sample_rate: int) -> torch.Tensor:
    """f0 [N, frames] Hz -> [N, bins, frames] unit complex: how far each bin's phase turns in
    one hop when the bin holds the harmonic of f0 nearest its centre."""
    bins = n_fft // 2 + 1
    centre = torch.arange(bins, device=f0.device, dtype=f0.dtype)[None, :, None] * (sample_rate / n_fft)
    f0 = f0[:, None, :]
    harmonic = torch.round(centre / f0).clamp(min=1) * f0
    return torch.polar(torch.ones_like(harmonic), 2 * math.pi * harmonic * hop / sample_rate)


def pitched_rows(clips: int, device=None) -> torch.Tensor:
    """[clips * len(STEMS)] bool: which rows of a batch of clips' stems, flattened clip by clip
    in STEMS order, carry their tracked pitch (`AudioCodec.encode`'s `pitched`). Used by
    `AudioCodec.encode_stems`, which every path that encodes stems for the model goes through,
    so the unpitched stems' pitch is zero everywhere."""
    return torch.tensor([s in PITCHED_STEMS for s in STEMS], device=device).repeat(clips)
