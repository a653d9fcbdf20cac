"""Extension on a tiny random-weight instance of the real architecture: lengths, the given
clip passed through untouched, one clock across windows, and the latent hand-over."""
import os

import pytest
import torch

from talkie.models.av_model import TalkieModel
from talkie.models.extension import extend
from talkie.models.pipeline import Generator, SamplingSettings
from talkie.models.sampler import Guidance

TINY = os.path.join(os.path.dirname(__file__), "..", "..", "models", "configs", "talkie-tiny.json")
FAST = SamplingSettings(steps=2, method="euler", guidance=Guidance())


@pytest.fixture(scope="module")
def gen():
    torch.manual_seed(0)
    return Generator(TalkieModel.from_size_config(TINY).eval())


def _extend(gen, frames, stems, seconds, overlap_seconds=0.5, **kw):
    cond = gen.conditioning("rain on a tin roof")
    return extend(gen.model, cond, frames, stems, 24.0, seconds, overlap_seconds=overlap_seconds, window_seconds=1.0,
                  steps=2, method="euler", guidance=Guidance(), **kw)


def test_given_clip_is_kept_bit_exact_and_lengths_add_up(gen):
    frames = torch.rand(30, 40, 36, 3)  # not the codec's size, not a whole number of tokens
    stems = torch.rand(4, 20000) * 0.2 - 0.1
    f, s = _extend(gen, frames, stems, 2.5)
    assert f.shape == (30 + 60, 40, 36, 3)
    assert s.shape == (4, round(90 * 16000 / 24))
    assert torch.equal(f[:30], frames)
    # the audio is kept up to the crossfade at the end of the overlap
    assert torch.equal(s[:, :20000 - 320], stems[:, :20000 - 320])
    assert torch.isfinite(s).all() and f.min() >= 0 and f.max() <= 1


def test_out_size_scales_every_frame(gen):
    frames = torch.rand(24, 32, 32, 3)
    f, _ = _extend(gen, frames, torch.zeros(4, 16000), 1.0, out_size=(48, 40))
    assert f.shape == (48, 40, 48, 3)


def test_latent_hand_over_matches_encoding_the_clip_end(gen):
    """Passing the clip's own latents skips one encode; it must continue the same clip as
    encoding its decoded end would (the video codec round trip is close, not exact)."""
    m = gen.model
    cfg = m.clip_config(1.0)
    zv = torch.randn(1, cfg.num_video_tokens, m.joint.cfg.video_dim)
    frames = m.decode_video(zv, cfg)[0]
    stems = torch.zeros(4, cfg.num_samples)
    a, _ = _extend(gen, frames, stems, 0.5, video_latents=zv[0])
    b, _ = _extend(gen, frames, stems, 0.5)
    assert a.shape == b.shape
    assert torch.equal(a[:24], b[:24])
    assert (a[24:] - b[24:]).abs().mean() < 0.25


def test_generate_longer_than_the_window_goes_through_extension(gen):
    clip = gen.generate("a ball bouncing", seconds=2.5, fps=24, seed=3, width=40, height=32, settings=FAST)
    assert clip.frames.shape == (1, 60, 32, 40, 3)
    assert clip.stems.shape == (1, 4, 40000)
    with pytest.raises(ValueError, match="overlap"):
        _extend(gen, torch.rand(24, 32, 32, 3), torch.zeros(4, 16000), 1.0, overlap_seconds=1.0)


def test_one_pass_long_clip_has_the_asked_length(gen):
    s = SamplingSettings(steps=2, method="euler", guidance=Guidance(), long_clips="one pass")
    clip = gen.generate("a ball bouncing", seconds=5.0, fps=24, seed=3, width=40, height=32, settings=s)
    assert clip.frames.shape == (1, 120, 32, 40, 3) and clip.stems.shape == (1, 4, 80000)
    assert torch.isfinite(clip.stems).all()
    with pytest.raises(ValueError, match="long_clips"):
        gen.generate("a ball", seconds=1.0, settings=SamplingSettings(steps=1, long_clips="sideways"))


def test_attention_is_block_local_beyond_the_trained_window(gen):
    """Past the trained window a token's output must not depend on tokens beyond the
    receptive field of block-local attention (one block either side per layer), and a clip
    inside the window must see everything (full attention, as trained)."""
    import copy

    from talkie.models.pipeline import make_noise, token_times

    m = copy.deepcopy(gen.model)
    torch.manual_seed(1)
    with torch.no_grad():  # the real init zeroes the output layers; give every weight a value
        for p in m.joint.parameters():
            p.normal_(0.0, 0.2)
    depth, block = len(m.joint.blocks), m.av.seconds / 2
    cond = gen.conditioning("rain")
    t = torch.zeros(1)

    def run(seconds, far_from):
        cfg = m.clip_config(seconds)
        nv, na = make_noise(m, cfg, 1, 0)
        tv, ta = token_times(cfg, 1)
        base = m.joint(nv, na, t, t, tv, ta, cond.video, cond.audio)
        nv2, na2 = nv.clone(), na.clone()
        nv2[tv > far_from] += 1.0
        na2[ta > far_from] += 1.0
        moved = m.joint(nv2, na2, t, t, tv, ta, cond.video, cond.audio)
        return tv[0], base, moved

    seconds = block * (depth + 4) * 2
    far = block * (depth + 2)
    tv, base, moved = run(seconds, far)
    near = tv < block
    assert torch.allclose(base[0][:, near], moved[0][:, near], atol=1e-5)
    assert not torch.allclose(base[0][:, tv > far], moved[0][:, tv > far], atol=1e-3)
    tv, base, moved = run(m.av.seconds, 0.75 * m.av.seconds)  # inside the window: full attention
    assert not torch.allclose(base[0][:, tv < 0.1 * m.av.seconds], moved[0][:, tv < 0.1 * m.av.seconds], atol=1e-6)


def test_extension_encodes_the_held_sound_repeated_not_padded(gen, monkeypatch):
    """What extend() hands the audio encoder for each window: the held overlap repeated to
    the window's length (see the test below for why), never the overlap followed by silence."""
    m = gen.model
    seen = []
    encode = m.encode_audio
    monkeypatch.setattr(m, "encode_audio", lambda stems, cfg: seen.append(stems.clone()) or encode(stems, cfg))
    stems = torch.rand(4, 16000) * 0.2 - 0.1
    _extend(gen, torch.rand(24, 32, 32, 3), stems, 1.0)
    assert seen
    for window in seen:
        held = window[0, :, :8000]  # the 0.5 s overlap at 16 kHz
        assert torch.equal(window[0, :, 8000:16000], held)


def test_held_audio_is_encoded_as_inside_a_whole_clip():
    """The shipped audio encoder normalises over its whole input (GroupNorm across time), so
    the held second's tokens depend on what fills the rest of the window. Repeated (as
    extension now does) they must come out close to the tokens the same second gets inside a
    whole clip, as in training; padded with silence (before session 24) they were far off, and
    every window after the first came out ~7 dB louder than the first (BENCHMARKS.md)."""
    import torch.nn.functional as F

    from talkie.models.evaluation.evaluate import rendered_stems
    from talkie.models.extension import audio_encoding_context
    from talkie.models.world import render_clip

    m = Generator.from_checkpoint().model
    cfg = m.clip_config(m.av.seconds)
    held = cfg.sample_rate  # one second, extension's default overlap
    tokens = held // cfg.samples_per_token
    for family in ("rain", "ball"):
        clip = render_clip(0, cfg, family=family, split="heldout")
        stems = rendered_stems(clip)[0, :, :cfg.num_samples]
        with torch.no_grad():
            whole = m.encode_audio(stems[None], cfg)[:, :tokens]
            repeated = m.encode_audio(audio_encoding_context(stems[:, :held], cfg.num_samples)[None], cfg)[:, :tokens]
            padded = m.encode_audio(F.pad(stems[:, :held], (0, cfg.num_samples - held))[None], cfg)[:, :tokens]

        def off(z):  # RMS distance from the whole clip's tokens, in units of their spread
            return float((z - whole).square().mean().sqrt() / whole.std())

        assert off(repeated) < 0.3, (family, off(repeated))
        assert off(padded) > 2 * off(repeated), (family, off(padded), off(repeated))  # the fault is real here
    ctx = audio_encoding_context(stems[:, :1000], 2500)
    assert ctx.shape == (4, 2500) and torch.equal(ctx[:, 1000:2000], stems[:, :1000])
