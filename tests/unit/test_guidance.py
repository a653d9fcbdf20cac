"""Classifier-free guidance variants of the sampler: the projected push and the rescale."""
import torch

from talkie.models.sampler import guidance_direction, rescale_to


def test_plain_direction_is_the_difference():
    torch.manual_seed(0)
    cond, uncond = torch.randn(2, 7, 16), torch.randn(2, 7, 16)
    assert torch.equal(guidance_direction(cond, uncond, 1.0), cond - uncond)


def test_projected_direction_is_orthogonal_to_the_conditional_token():
    torch.manual_seed(1)
    cond, uncond = torch.randn(2, 7, 16), torch.randn(2, 7, 16)
    d = guidance_direction(cond, uncond, 0.0)
    assert (d * cond).sum(-1).abs().max() < 1e-4                        # nothing left along cond, per token
    half = guidance_direction(cond, uncond, 0.5)
    # the orthogonal part is untouched, half of the parallel part is kept
    assert torch.allclose(half - d, 0.5 * ((cond - uncond) - d), atol=1e-5)


def test_projection_drops_a_push_that_only_scales_the_prediction():
    cond = torch.randn(1, 5, 8)
    uncond = 0.5 * cond                      # guidance would only make every token longer
    assert guidance_direction(cond, uncond, 0.0).abs().max() < 1e-5
    assert guidance_direction(cond, uncond, 1.0).abs().max() > 0.1


def test_rescale_matches_the_conditional_spread_per_clip():
    torch.manual_seed(2)
    cond = torch.randn(3, 10, 4) * torch.tensor([0.5, 1.0, 2.0])[:, None, None]
    guided = cond + 3.0 * (cond - torch.randn(3, 10, 4))
    full = rescale_to(guided, cond, 1.0)
    assert torch.allclose(full.std(dim=(1, 2)), cond.std(dim=(1, 2)), rtol=1e-4)
    assert torch.equal(rescale_to(guided, cond, 0.0), guided)
    part = rescale_to(guided, cond, 0.7)
    assert torch.allclose(part, 0.7 * full + 0.3 * guided, atol=1e-5)


def test_sampler_applies_the_variants_to_guided_passes_only():
    from talkie.models.sampler import Guidance
    from tiny_sampling import tiny_sampler

    sampler = tiny_sampler()
    run = lambda g: sampler(guidance=g, autocast=False)  # noqa: E731
    plain = run(Guidance(video=3.0, audio=1.0))
    projected = run(Guidance(video=3.0, audio=1.0, parallel=0.0))
    rescaled = run(Guidance(video=3.0, audio=1.0, rescale=0.7))
    for v, a in (projected, rescaled):
        assert torch.isfinite(v).all() and torch.isfinite(a).all()
        assert not torch.allclose(v, plain[0])
    # without guidance there is nothing to project or rescale
    off = run(Guidance(video=1.0, audio=1.0))
    off_variants = run(Guidance(video=1.0, audio=1.0, parallel=0.0, rescale=0.7))
    assert torch.equal(off[0], off_variants[0]) and torch.equal(off[1], off_variants[1])
