"""The IMAGE checks every media node shares: valid frames pass through without a copy (a
minute at 256x256 is 1.2 GB), out-of-range ones are clamped, NaN/inf are a clear error."""
import pytest
import torch


@pytest.fixture
def check_frames(comfy_api_importable):
    from talkie.nodes.media_inputs import check_frames

    return check_frames


def test_in_range_frames_are_not_copied(check_frames):
    x = torch.rand(5, 8, 6, 3)
    out = check_frames(x)
    assert out.data_ptr() == x.data_ptr() and torch.equal(out, x)


def test_rgba_drops_alpha_and_out_of_range_is_clamped(check_frames):
    x = torch.rand(2, 4, 4, 4) * 3 - 1
    out = check_frames(x)
    assert out.shape == (2, 4, 4, 3) and out.min() >= 0 and out.max() <= 1
    assert torch.equal(out, x[..., :3].clamp(0, 1))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_values_are_a_clear_error(check_frames, bad):
    x = torch.rand(3, 4, 4, 3)
    x[2, 1, 1, 0] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        check_frames(x)
