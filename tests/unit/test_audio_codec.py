"""What the audio codec's decoder can and cannot say: a held note's pitch."""
import math

import numpy as np
import pytest
import torch

from talkie.models.codecs import AudioCodec, AudioCodecConfig

F4 = 349.23  # between the codec's 62.5 Hz bins 5 and 6


def _steady(phase: str, turn: float | None = None, k: int = 6) -> AudioCodec:
    """A decoder whose head ignores the latent: one bin (k * 62.5 Hz) at full magnitude, the
    same phase vector every frame and, when integrated, the same phase turn frame to frame."""
    codec = AudioCodec(AudioCodecConfig(upsample="interpolate", phase=phase))
    bins = codec.cfg.n_fft // 2 + 1
    with torch.no_grad():
        codec.head.weight.zero_()
        bias = torch.zeros(3 * bins)
        bias[:bins] = -12.0
        bias[k] = 0.0                # log-magnitude of bin k
        bias[bins:2 * bins] = 1.0    # phase vector (1, 0)
        codec.head.bias.copy_(bias)
        if turn is not None:
            codec.advance.bias[k], codec.advance.bias[bins + k] = math.cos(turn), math.sin(turn)
    return codec.eval()


def _peak_hz(codec: AudioCodec) -> float:
    with torch.no_grad():
        y = codec.decode(torch.zeros(1, 64, codec.cfg.latent_dim))[0, 4096:-4096].numpy()
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y)), 1 << 16))
    return float(np.fft.rfftfreq(1 << 16, 1 / codec.cfg.sample_rate)[spec.argmax()])


def test_direct_phase_holds_a_note_only_at_multiples_of_the_hop_rate():
    """Why held notes snapped: equal phase in every frame adds up only at k * sample_rate / hop
    (250 Hz here). Bin 5 (312.5 Hz) comes out at 250 Hz; bin 6 (375 Hz, 1.5 turns a hop)
    cancels itself frame against frame."""
    assert abs(_peak_hz(_steady("direct", k=5)) - 250.0) < 3.0
    with torch.no_grad():
        held = _steady("direct", k=6).decode(torch.zeros(1, 64, 8))[0, 4096:-4096]  # away from the ends
    assert held.abs().max() < 1e-6


def test_integrated_phase_holds_a_note_between_the_bins():
    cfg = AudioCodecConfig()
    turn = 2 * math.pi * F4 * cfg.hop / cfg.sample_rate
    for k in (5, 6):  # from either neighbouring bin
        assert abs(_peak_hz(_steady("integrated", turn, k)) - F4) < 3.0


def test_a_fresh_phase_advance_changes_nothing_and_unknown_modes_are_refused():
    torch.manual_seed(0)
    direct = AudioCodec(AudioCodecConfig(upsample="interpolate"))
    integrated = AudioCodec(AudioCodecConfig(upsample="interpolate", phase="integrated"))
    integrated.load_state_dict({**integrated.state_dict(), **direct.state_dict()})
    z = torch.randn(1, 8, direct.cfg.latent_dim)
    with torch.no_grad():
        assert torch.equal(direct.decode(z), integrated.decode(z))
    with pytest.raises(ValueError, match="unknown audio phase mode"):
        AudioCodec(AudioCodecConfig(phase="griffin-lim"))


def test_the_heads_spectrum_is_framed_as_the_encoders_and_inverts_to_the_wave():
    """`head_spectrum` frames match `spectrum_features` (what `head_magnitude_loss` compares):
    the codec's own STFT of a wave, inverted by `spectrum_to_wave`, is that wave (but for its
    last half window, which the decoder's repeated last frame stands in for)."""
    codec = AudioCodec(AudioCodecConfig(upsample="interpolate"))
    c = codec.cfg
    x = torch.randn(2, 8 * c.hop * c.hops_per_token) * torch.linspace(0, 1, 8 * c.hop * c.hops_per_token)
    spec = torch.stft(x, c.n_fft, c.hop, window=codec.window, center=True, return_complex=True)[..., :-1]
    assert spec.shape[-1] == codec.spectrum_features(x).shape[-1]
    assert spec.shape[-1] == codec.head_spectrum(torch.zeros(1, 8, c.latent_dim))[0].shape[-1]
    y = codec.spectrum_to_wave(spec)
    assert y.shape == x.shape and torch.allclose(y[:, :-c.n_fft // 2], x[:, :-c.n_fft // 2], atol=1e-4)
