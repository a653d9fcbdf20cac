"""The headless pipeline on a tiny random-weight instance of the real architecture."""
import os

import pytest
import torch

from talkie.models.av_model import TalkieModel
from talkie.models.pipeline import Generator, SamplingSettings, make_noise, token_times
from talkie.models.sampler import Conditioning, Guidance, sample, schedule

TINY = os.path.join(os.path.dirname(__file__), "..", "..", "models", "configs", "talkie-tiny.json")


@pytest.fixture(scope="module")
def gen():
    torch.manual_seed(0)
    return Generator(TalkieModel.from_size_config(TINY).eval())


def test_schedule_shapes():
    t = schedule(10, 3.0)
    assert len(t) == 11 and float(t[0]) == 1.0 and float(t[-1]) == 0.0 and bool((t[1:] < t[:-1]).all())
    assert float(schedule(10, 3.0, denoise=0.5)[0]) < 1.0
    with pytest.raises(ValueError):
        schedule(0)


def test_generate_is_deterministic_and_sized(gen):
    s = SamplingSettings(steps=3, guidance=Guidance(video=1.5, audio=2.0, sync=0.5))
    a = gen.generate("a red ball bouncing", seconds=1.0, fps=24, seed=5, width=96, height=80, settings=s)
    b = gen.generate("a red ball bouncing", seconds=1.0, fps=24, seed=5, width=96, height=80, settings=s)
    c = gen.generate("a red ball bouncing", seconds=1.0, fps=24, seed=6, width=96, height=80, settings=s)
    assert a.frames.shape == (1, 24, 80, 96, 3) and a.stems.shape == (1, 4, 16000)
    assert torch.equal(a.frames, b.frames) and torch.equal(a.stems, b.stems)
    assert not torch.equal(a.frames, c.frames)
    assert a.frames.min() >= 0 and a.frames.max() <= 1 and torch.isfinite(a.stems).all()


def test_kept_tokens_stay_fixed(gen):
    m = gen.model
    cfg = m.clip_config(1.0)
    nv, na = make_noise(m, cfg, 1, 0)
    tv, ta = token_times(cfg, 1)
    init_v, init_a = torch.randn_like(nv), torch.randn_like(na)
    keep_v = torch.ones(1, nv.shape[1], dtype=torch.bool)          # video -> audio
    keep_a = torch.zeros(1, na.shape[1], dtype=torch.bool)
    keep_a[:, :5] = True                                            # and the first audio tokens
    emb = gen.text.encode("hands clapping")
    cond = Conditioning(emb, emb, gen.text.encode(""), gen.text.encode(""))
    zv, za = sample(m.joint, nv, na, tv, ta, cond, steps=3, init_v=init_v, init_a=init_a, keep_v=keep_v,
                    keep_a=keep_a)
    assert torch.equal(zv, init_v)
    assert torch.equal(za[:, :5], init_a[:, :5]) and not torch.equal(za[:, 5:], init_a[:, 5:])


def test_cross_modal_attention_can_be_switched_off(gen):
    """The sync-guidance pass must really cut audio<->video attention: with it off, the
    video output must not depend on the audio input."""
    m = gen.model.joint
    torch.manual_seed(1)
    for p in m.parameters():  # zero-initialised output layers would hide any dependence
        p.data.add_(0.02 * torch.randn_like(p))
    cfg = gen.model.clip_config(1.0)
    nv, na = make_noise(gen.model, cfg, 1, 0)
    tv, ta = token_times(cfg, 1)
    emb = gen.text.encode("x")
    t = torch.tensor([0.5])
    with torch.no_grad():
        off = torch.tensor([False])
        v1, _ = m(nv, na, t, t, tv, ta, emb, emb, cross_modal=off)
        v2, _ = m(nv, na + 1.0, t, t, tv, ta, emb, emb, cross_modal=off)
        v3, _ = m(nv, na + 1.0, t, t, tv, ta, emb, emb)
    assert torch.allclose(v1, v2, atol=1e-5)
    assert not torch.allclose(v1, v3, atol=1e-4)
