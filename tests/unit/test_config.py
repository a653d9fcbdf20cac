import math

import pytest

from talkie.models.config import AVConfig


@pytest.mark.parametrize("seconds,fps,sr", [(4.0, 24.0, 16000), (2.5, 25.0, 16000), (3.0, 23.976, 44100),
                                            (1.0, 30.0, 48000), (7.3, 12.0, 16000)])
def test_lengths_agree(seconds, fps, sr):
    c = AVConfig(seconds=seconds, fps=fps, sample_rate=sr)
    assert c.num_frames == round(seconds * fps)
    # audio is exactly frames x rate / fps samples, so both streams end together
    assert abs(c.num_samples - c.num_frames * sr / fps) <= 0.5
    assert c.num_video_tokens * c.frames_per_latent >= c.num_frames > (c.num_video_tokens - 1) * c.frames_per_latent
    assert c.padded_samples >= c.num_samples > c.padded_samples - c.samples_per_token
    # token centres: same clock for both streams, in seconds
    vt, at = c.video_token_times(), c.audio_token_times()
    assert math.isclose(float(vt[0]), c.frames_per_latent / fps / 2)
    assert math.isclose(float(at[1] - at[0]), c.samples_per_token / sr)
    assert float(vt[-1]) < c.padded_frames / fps and float(at[-1]) < c.padded_samples / sr
    # a token lasts the spacing of the centres
    assert math.isclose(c.video_token_seconds, float(vt[1] - vt[0]))
    assert math.isclose(c.audio_token_seconds, float(at[1] - at[0]))


@pytest.mark.parametrize("bad", [dict(seconds=0), dict(seconds=float("nan")), dict(fps=-1), dict(fps=float("inf")),
                                 dict(sample_rate=0)])
def test_invalid_config_is_refused(bad):
    with pytest.raises(ValueError):
        AVConfig(**bad)


def test_tokens_for_seconds():
    c = AVConfig(seconds=4.0)
    assert c.video_tokens_for(1.0) == 12 and c.audio_tokens_for(1.0) == 32
    assert c.video_tokens_for(100) == c.num_video_tokens and c.audio_tokens_for(-1) == 0
