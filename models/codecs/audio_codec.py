"""Audio autoencoder over a short-time spectrum, with a decoder that produces the
waveform itself (magnitude + phase heads and an inverse STFT, as in Vocos).

Each stem (effects, ambience, voice, music) is encoded on its own with shared weights;
the joint latent concatenates the stems' latents, so any stem can be decoded, muted or
re-mixed without sampling again. A 4 ms hop keeps attacks sharp: a learned phase (rather
than Griffin-Lim) is what lets onsets land within a few milliseconds.

The decoder doubles its time resolution `log2(hops_per_token)` times. `upsample="interpolate"`
(linear interpolation, then a convolution) is the default for new codecs; `"transpose"`
(stride-2 transposed convolutions) is what the v1 codec used, and it leaves a comb at
sample_rate / (2 * hop) on every sound: its kernel overlaps the even and odd output frames
unevenly."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..config import STEMS
from .pitch import PITCH_CHANNELS, harmonic_turn, pitch_at_frames, pitched_rows, track_pitch


@dataclass
class AudioCodecConfig:
    sample_rate: int = 16000
    n_fft: int = 256
    hop: int = 64
    hops_per_token: int = 8
    latent_dim: int = 8       # per stem
    width: int = 192
    decoder_blocks: int = 4
    upsample: str = "transpose"  # old checkpoints have no such field; new codecs use NEW_CODEC_UPSAMPLE
    # The encoder also reads a long-window spectrum (same hop) up to `fine_max_hz`: n_fft's
    # 62.5 Hz bins cannot tell neighbouring notes apart (D4 294 Hz and E4 330 Hz peak in one
    # bin), so a latent encoded from them alone lost which note was played. 0 = off (the shipped codec).
    fine_fft: int = 0
    fine_max_hz: float = 0.0
    phase: str = "direct"     # see PHASE_MODES
    # After the learned numbers, each token carries its stem's tracked pitch (`pitch`: voicing,
    # log f0), and an integrated-phase decoder may turn each bin as the harmonic of that f0
    # nearest it. 0 = none (the shipped codec); PITCH_CHANNELS = on.
    pitch_channels: int = 0

    def to_dict(self):
        return asdict(self)

    @property
    def channels(self) -> int:
        """Numbers per stem per token in the latent: the learned ones, then the pitch."""
        return self.latent_dim + self.pitch_channels


class ResBlock1d(nn.Module):
    def __init__(self, ch, dilation=1):
        super().__init__()
        self.dw = nn.Conv1d(ch, ch, 7, padding=3 * dilation, dilation=dilation, groups=ch)
        self.norm = nn.GroupNorm(1, ch)
        self.pw1 = nn.Conv1d(ch, ch * 2, 1)
        self.pw2 = nn.Conv1d(ch * 2, ch, 1)

    def forward(self, x):
        return x + self.pw2(F.gelu(self.pw1(self.norm(self.dw(x)))))


# How the decoder sets each STFT frame's phase. "direct": a phase per frame and bin, as the
# head says (the shipped codec). A convolutional decoder reading a held note's unchanging latent
# says the same phase every frame, and frames of equal phase 4 ms apart add up only at
# multiples of sample_rate / hop (250 Hz): held notes snapped to a few frequencies and every
# voice came back at ~250 Hz. "integrated": the head also says how far each bin's phase turns
# from one frame to the next (its instantaneous frequency, as a vector), summed over the
# frames, so an unchanging latent gives a steady tone at any pitch; the per-frame phase stays
# on top of it for attacks. The turn starts at zero, so a direct codec's decoder starts where
# it was. Spectral losses alone hardly teach it (a tone 50 Hz off shares no long-window bin
# with the right one); `training.losses.phase_advance_loss` supervises the turn directly.
PHASE_MODES = ("direct", "integrated")
UPSAMPLE_MODES = ("interpolate", "transpose")
NEW_CODEC_UPSAMPLE = "interpolate"  # what a codec trained from scratch uses


def upsample_twice(ch: int, mode: str) -> nn.Module:
    """Double the time resolution of [N, ch, L]."""
    if mode == "interpolate":
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="linear", align_corners=False),
                             nn.Conv1d(ch, ch, 3, padding=1))
    if mode == "transpose":
        return nn.ConvTranspose1d(ch, ch, 4, stride=2, padding=1)
    raise ValueError(f"unknown audio upsampling {mode!r}; expected one of {UPSAMPLE_MODES}")


class AudioCodec(nn.Module):
    def __init__(self, cfg: AudioCodecConfig):
        super().__init__()
        self.cfg = cfg
        bins, w = cfg.n_fft // 2 + 1, cfg.width
        self.register_buffer("window", torch.hann_window(cfg.n_fft), persistent=False)
        if self.fine_bins:
            self.register_buffer("fine_window", torch.hann_window(cfg.fine_fft), persistent=False)
        downs, c = [nn.Conv1d(bins + self.fine_bins, w, 3, padding=1)], w
        steps = cfg.hops_per_token.bit_length() - 1
        if 2 ** steps != cfg.hops_per_token:
            raise ValueError("hops_per_token must be a power of two")
        for _ in range(steps):
            downs += [ResBlock1d(c), nn.Conv1d(c, c, 4, stride=2, padding=1)]
        downs += [ResBlock1d(c), nn.GroupNorm(1, c), nn.Conv1d(c, cfg.latent_dim, 1)]
        self.enc = nn.Sequential(*downs)
        if cfg.pitch_channels not in (0, PITCH_CHANNELS):
            raise ValueError(f"pitch_channels is 0 (off) or {PITCH_CHANNELS}, got {cfg.pitch_channels}")
        if cfg.pitch_channels and cfg.phase != "integrated":
            raise ValueError("pitch channels steer the phase turn: they need phase='integrated'")
        ups = [nn.Conv1d(cfg.channels, w, 3, padding=1)]
        for _ in range(steps):
            ups += [ResBlock1d(w), upsample_twice(w, cfg.upsample)]
        ups += [ResBlock1d(w, d) for d in [1, 2, 4, 1][: cfg.decoder_blocks]]
        self.dec = nn.Sequential(*ups, nn.GroupNorm(1, w))
        self.head = nn.Conv1d(w, bins * 3, 1)  # log-magnitude and a phase vector (x, y)
        if cfg.phase not in PHASE_MODES:
            raise ValueError(f"unknown audio phase mode {cfg.phase!r}; expected one of {PHASE_MODES}")
        if cfg.phase == "integrated":
            self.advance = nn.Conv1d(w, bins * 2, 1)  # phase turn per frame and bin, a vector (x, y)
            nn.init.zeros_(self.advance.weight)
            with torch.no_grad():
                self.advance.bias.copy_(torch.cat([torch.ones(bins), torch.zeros(bins)]))  # no turn
        if cfg.pitch_channels:
            # per frame and bin, how much of the turn follows the tracked harmonic, times the
            # voicing: unvoiced frames (and the unpitched stems, whose pitch is zeros) keep the
            # learned turn exactly. Starts at one half: a gate started nearly shut would take
            # Adam ~10k steps to open
            self.harmonic_gate = nn.Conv1d(w, bins, 1)
            nn.init.zeros_(self.harmonic_gate.weight)
            nn.init.zeros_(self.harmonic_gate.bias)

    # --- spectra -------------------------------------------------------------------------
    @property
    def fine_bins(self) -> int:
        """Bins of the long-window spectrum the encoder reads (0 when it reads none)."""
        if not self.cfg.fine_fft:
            return 0
        return min(self.cfg.fine_fft // 2 + 1, int(self.cfg.fine_max_hz * self.cfg.fine_fft / self.cfg.sample_rate) + 1)

    def spectrum_features(self, wave: torch.Tensor) -> torch.Tensor:
        """wave [N, S] (S a multiple of hop*hops_per_token) -> log-magnitude [N, bins (+ fine
        bins), S/hop]: the codec's own spectrum, then the low bins of the long-window one,
        frame for frame (both centred on the same samples)."""
        spec = torch.stft(wave, self.cfg.n_fft, self.cfg.hop, window=self.window, center=True, return_complex=True)
        feats = torch.log(spec.abs() + 1e-4)[..., :-1]
        if self.fine_bins:
            fine = torch.stft(wave, self.cfg.fine_fft, self.cfg.hop, window=self.fine_window, center=True,
                              return_complex=True)
            feats = torch.cat([feats, torch.log(fine[:, :self.fine_bins].abs() + 1e-4)[..., :-1]], 1)
        return feats

    def encode(self, wave: torch.Tensor, pitched: torch.Tensor | None = None) -> torch.Tensor:
        """wave [N, S] -> latent [N, S/(hop*hops_per_token), channels]. `pitched` [N] bool:
        which rows' pitch is tracked (default all); the others carry zeros there (unvoiced)."""
        z = self.enc(self.spectrum_features(wave)).transpose(1, 2)
        if not self.cfg.pitch_channels:
            return z
        pitch = z.new_zeros(z.shape[0], z.shape[1], self.cfg.pitch_channels)
        rows = torch.arange(len(wave)) if pitched is None else pitched.cpu().nonzero()[:, 0]
        if len(rows):  # only the pitched rows are tracked (an empty batch would reach the FFT otherwise)
            hop = self.cfg.hop * self.cfg.hops_per_token
            pitch[rows.to(z.device)] = track_pitch(wave[rows.to(wave.device)], self.cfg.sample_rate,
                                                   hop)[:, :z.shape[1]].to(z.dtype)
        return torch.cat([z, pitch], -1)

    def encode_stems(self, stems: torch.Tensor) -> torch.Tensor:
        """stems [B, len(STEMS), S] -> latent [B, S/(hop*hops_per_token), len(STEMS)*channels],
        each token the stems' latents side by side. Only the voice and music stems' pitch is
        tracked (`pitched_rows`): the model and the trainer's latents both encode here."""
        B, n_stems, _ = stems.shape
        if n_stems != len(STEMS):
            raise ValueError(f"expected {len(STEMS)} stems per clip, got {n_stems}")
        z = self.encode(stems.reshape(B * n_stems, -1), pitched_rows(B, stems.device))      # [B*S, L, channels]
        return z.reshape(B, n_stems, z.shape[1], -1).permute(0, 2, 1, 3).flatten(2)

    def learned_stem_channels(self) -> torch.Tensor:
        """Indices, in `encode_stems`' latent, of the encoder's own channels: every stem's
        first `latent_dim`, without the pitch channels that follow them."""
        per_stem = torch.arange(self.cfg.channels * len(STEMS)) % self.cfg.channels
        return (per_stem < self.cfg.latent_dim).nonzero()[:, 0]

    def stem_rows(self, z: torch.Tensor) -> torch.Tensor:
        """`encode_stems`' latent [B, L, len(STEMS)*channels] -> one row per clip and stem,
        [B*len(STEMS), L, channels], as `decode` reads them."""
        B, L, _ = z.shape
        z = z.reshape(B, L, len(STEMS), -1).permute(0, 2, 1, 3)
        if self.cfg.pitch_channels:
            # an unpitched stem's pitch is zero by construction (encode_stems): whatever a sampler
            # left there must not turn the decoder's phase to a harmonic of it
            z = z.clone()
            z[:, ~pitched_rows(1, z.device), :, self.cfg.latent_dim:] = 0
        return z.reshape(B * len(STEMS), L, -1)

    def decode_stems(self, z: torch.Tensor) -> torch.Tensor:
        """`encode_stems`' latent [B, L, len(STEMS)*channels] -> stems [B, len(STEMS), L*hop*hops_per_token]."""
        return self.decode(self.stem_rows(z)).reshape(z.shape[0], len(STEMS), -1)

    def stem_frame_energy(self, z: torch.Tensor, stems: tuple[str, ...] = STEMS) -> torch.Tensor:
        """`encode_stems`' latent [B, L, len(STEMS)*channels] -> the energy of each STFT frame
        the decoder asks for, for each of `stems`, [B, len(stems), L*hops_per_token] (sum of
        squared magnitudes over the bins; by Parseval the frame's windowed energy up to a constant)."""
        B = z.shape[0]
        rows = self.stem_rows(z).reshape(B, len(STEMS), z.shape[1], -1)[:, [STEMS.index(s) for s in stems]]
        logmag = self.head_logmag(rows.flatten(0, 1))
        return torch.exp(2 * logmag.float()).sum(1).reshape(B, len(stems), -1)

    def head_spectrum(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """latent [N, L, channels] -> the STFT the decoder asks for, [N, bins,
        L*hops_per_token] complex (one frame per hop, framed as `spectrum_features`), and
        with integrated phase the per-frame phase turn ([N, bins, frames] complex of unit
        length, for `phase_advance_loss`; None otherwise)."""
        feats = self._decoder_features(z)
        h = self.head(feats)
        bins = self.cfg.n_fft // 2 + 1
        logmag, px, py = self._logmag(h), h[:, bins:2 * bins], h[:, 2 * bins:]
        mag = torch.exp(logmag)
        norm = torch.sqrt(px * px + py * py + 1e-8)
        spec = torch.complex(mag * px / norm, mag * py / norm)
        step = None
        if self.cfg.phase == "integrated":
            a = self.advance(feats).float()
            step = torch.complex(a[:, :bins], a[:, bins:])
            step = step / (step.abs() + 1e-8)
            if self.cfg.pitch_channels:
                step = self._follow_harmonics(step, feats, z[..., self.cfg.latent_dim:])
            spec = spec * torch.polar(torch.ones_like(mag), torch.cumsum(step.angle(), -1))
        return spec, step

    def head_logmag(self, z: torch.Tensor) -> torch.Tensor:
        """latent [N, L, channels] -> the log-magnitude `head_spectrum` asks for, [N, bins,
        L*hops_per_token], without the phase (for losses on loudness)."""
        return self._logmag(self.head(self._decoder_features(z)))

    def _decoder_features(self, z: torch.Tensor) -> torch.Tensor:
        """latent [N, L, channels] -> the decoder's features [N, width, L*hops_per_token], which the heads read."""
        return F.gelu(self.dec(z.transpose(1, 2)))

    def _logmag(self, h: torch.Tensor) -> torch.Tensor:
        """The head's output -> its log-magnitude rows, capped so exp() stays finite."""
        return h[:, :self.cfg.n_fft // 2 + 1].clamp(max=6.0)

    def _follow_harmonics(self, step: torch.Tensor, feats: torch.Tensor, pitch: torch.Tensor) -> torch.Tensor:
        """Blend the learned phase turn [N, bins, frames] with the tracked harmonic's, by the
        gate times the voicing: unvoiced frames keep the learned turn."""
        f0, voicing = pitch_at_frames(pitch.float(), self.cfg.hops_per_token)
        frames = step.shape[-1]
        harmonic = harmonic_turn(f0[:, :frames], self.cfg.n_fft, self.cfg.hop, self.cfg.sample_rate)
        gate = torch.sigmoid(self.harmonic_gate(feats).float()) * voicing[:, None, :frames]
        mixed = (1 - gate) * step + gate * harmonic
        return mixed / (mixed.abs() + 1e-8)

    def spectrum_to_wave(self, spec: torch.Tensor) -> torch.Tensor:
        """`head_spectrum`'s STFT [N, bins, frames] -> wave [N, frames*hop]."""
        spec = torch.cat([spec, spec[..., -1:]], -1)  # the frame centred on the last sample
        return torch.istft(spec, self.cfg.n_fft, self.cfg.hop, window=self.window, center=True,
                           length=(spec.shape[-1] - 1) * self.cfg.hop)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """latent [N, L, channels] -> wave [N, L*hop*hops_per_token]."""
        return self.spectrum_to_wave(self.head_spectrum(z)[0])
