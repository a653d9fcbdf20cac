"""Modal sounds end without a click, and stay deterministic."""
import numpy as np

from talkie.models.world import synth


def test_modal_fades_out_and_is_deterministic():
    sr = 16000
    # A slow metal-like mode still ringing when the sound ends.
    a = synth.modal(sr, [800.0, 2200.0], [0.35, 0.25], [1.0, 0.6], 0.6, np.random.default_rng(0), attack_noise=0.4)
    b = synth.modal(sr, [800.0, 2200.0], [0.35, 0.25], [1.0, 0.6], 0.6, np.random.default_rng(0), attack_noise=0.4)
    assert np.array_equal(a, b)
    assert abs(a[-1]) < 1e-6  # ends at silence
    fade = round(synth.FADE_OUT_S * sr)
    assert np.abs(a[-2 * fade:-fade]).max() > 0.05 * np.abs(a).max()  # still ringing: the fade did the work
    assert np.all(np.abs(np.diff(a[-64:])) < 0.1)  # no step at the end
