"""The audio latent's pitch side channel: the tracker reads a tone's fundamental (not its
loudest harmonic), and a decoder told the pitch holds a note at that pitch between its bins."""
import math

import pytest
import torch

from talkie.models.codecs import AudioCodec, AudioCodecConfig
from talkie.models.codecs.pitch import REFERENCE_HZ, VOICED, harmonic_turn, track_pitch

SR, TOKEN = 16000, 512


def _tone(f0: float, harmonics=(1.0, 0.5, 0.25), seconds: float = 1.024) -> torch.Tensor:
    t = torch.arange(int(seconds * SR)) / SR
    return sum(a * torch.sin(2 * math.pi * (h + 1) * f0 * t) for h, a in enumerate(harmonics))[None]


def _tracked_hz(wave: torch.Tensor) -> torch.Tensor:
    p = track_pitch(wave, SR, TOKEN)[0, 2:-2]  # away from the clip's edges
    assert (p[:, 0] > VOICED).all()
    return REFERENCE_HZ * torch.exp2(p[:, 1])


@pytest.mark.parametrize("f0", [98.0, 111.0, 228.0, 349.23, 523.25])
def test_a_voice_or_a_notes_fundamental_is_tracked_within_half_a_percent(f0):
    assert torch.allclose(_tracked_hz(_tone(f0)), torch.tensor(f0), rtol=5e-3)


def test_a_vowel_whose_second_harmonic_is_loudest_is_read_at_its_fundamental():
    """A formant on the second harmonic makes YIN's first dip half the period (an octave up)."""
    assert torch.allclose(_tracked_hz(_tone(230.0, (0.25, 1.0, 0.15, 0.4))), torch.tensor(230.0), rtol=5e-3)


def test_noise_and_silence_are_unvoiced_and_carry_no_frequency():
    torch.manual_seed(0)
    for wave in (0.3 * torch.randn(1, 8 * TOKEN), torch.zeros(1, 8 * TOKEN)):
        p = track_pitch(wave, SR, TOKEN)
        assert p.shape == (1, 8, 2) and (p[..., 0] < VOICED).all() and (p[..., 1] == 0).all()


def test_each_bin_turns_as_the_harmonic_nearest_it():
    f0 = torch.full((1, 3), 110.0)
    turn = harmonic_turn(f0, 256, 64, SR)  # bins 62.5 Hz apart
    assert turn.shape == (1, 129, 3)
    for k, harmonic in ((0, 110.0), (2, 110.0), (4, 220.0), (5, 330.0), (6, 330.0)):
        want = 2 * math.pi * harmonic * 64 / SR
        assert torch.allclose(turn[0, k, 0], torch.polar(torch.tensor(1.0), torch.tensor(want)), atol=1e-5)


def _held_note(voicing: float, f0: float, k: int = 6) -> float:
    """Peak frequency of what a decoder whose head says one bin (k * 62.5 Hz) and no learned
    turn makes of a latent carrying `f0`, its harmonic gate held open."""
    codec = AudioCodec(AudioCodecConfig(upsample="interpolate", phase="integrated", pitch_channels=2))
    bins = codec.cfg.n_fft // 2 + 1
    with torch.no_grad():
        codec.head.weight.zero_()
        bias = torch.zeros(3 * bins)
        bias[:bins], bias[k], bias[bins:2 * bins] = -12.0, 0.0, 1.0
        codec.head.bias.copy_(bias)
        codec.harmonic_gate.bias.fill_(30.0)
        z = torch.zeros(1, 64, codec.cfg.channels)
        z[..., 8], z[..., 9] = voicing, math.log2(f0 / REFERENCE_HZ)
        y = codec.eval().decode(z)[0, 4096:-4096]
    spec = torch.fft.rfft(y * torch.hann_window(len(y)), 1 << 16).abs()
    return float(torch.fft.rfftfreq(1 << 16, 1 / SR)[spec.argmax()])


def test_a_decoder_told_the_pitch_holds_the_note_at_it_and_an_unvoiced_one_keeps_its_own_turn():
    assert abs(_held_note(1.0, 349.23) - 349.23) < 3.0   # F4, between bins 5 and 6
    assert abs(_held_note(1.0, 392.0) - 392.0) < 3.0     # G4
    assert abs(_held_note(0.0, 349.23) - 349.23) > 20.0  # no turn: bin 6 snaps to a multiple of 250 Hz


def test_pitch_channels_need_integrated_phase_and_come_in_one_size():
    with pytest.raises(ValueError, match="need phase='integrated'"):
        AudioCodec(AudioCodecConfig(pitch_channels=2))
    with pytest.raises(ValueError, match="pitch_channels is 0"):
        AudioCodec(AudioCodecConfig(phase="integrated", pitch_channels=3))


def test_a_codec_grown_to_carry_pitch_decodes_every_unpitched_latent_as_before():
    """The grown decoder reads the pitch through zero weights and gates its turn by voicing,
    so the stems whose pitch is not tracked (effects, ambience) decode bit for bit as before."""
    from talkie.models.training.train_codecs import load_with_new_decoder, with_pitch_inputs
    torch.manual_seed(0)
    cfg = AudioCodecConfig(upsample="interpolate", phase="integrated")
    old = AudioCodec(cfg).eval()
    grown = AudioCodec(AudioCodecConfig(**{**cfg.to_dict(), "pitch_channels": 2})).eval()
    assert load_with_new_decoder(grown, with_pitch_inputs(old.state_dict(), cfg.latent_dim), "test") == 2
    wave = torch.cat([_tone(111.0), 0.1 * torch.randn(1, _tone(111.0).shape[-1])])
    with torch.no_grad():
        z_old, z = old.encode(wave), grown.encode(wave, torch.tensor([True, False]))
        assert z.shape[-1] == 10 and torch.equal(z[..., :8], z_old) and (z[1, :, 8:] == 0).all()
        assert (z[0, 2:-2, 8] > VOICED).all()
        assert torch.equal(grown.decode(z[1:]), old.decode(z_old[1:]))
        assert not torch.allclose(grown.decode(z[:1]), old.decode(z_old[:1]))  # the voiced stem is told its pitch


def test_encode_tracks_only_the_pitched_rows_and_a_batch_with_none_skips_the_tracker():
    """A training batch of effects and ambience crops has no pitched row: it must still encode
    (the tracker never sees an empty batch), and a pitched row reads the same whatever its
    neighbours are."""
    torch.manual_seed(0)
    codec = AudioCodec(AudioCodecConfig(upsample="interpolate", phase="integrated", pitch_channels=2)).eval()
    tone, noise = _tone(220.0), 0.1 * torch.randn(1, _tone(220.0).shape[-1])
    with torch.no_grad():
        none = codec.encode(torch.cat([tone, noise]), torch.tensor([False, False]))
        mixed = codec.encode(torch.cat([noise, tone]), torch.tensor([False, True]))
        alone = codec.encode(tone)
    assert (none[..., 8:] == 0).all() and (mixed[0, :, 8:] == 0).all()
    assert torch.allclose(mixed[1], alone[0], atol=1e-6)
    assert (mixed[1, 2:-2, 8] > VOICED).all()
