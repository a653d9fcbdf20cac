"""The video decoder's temporal layers: added at zero they change nothing, trained they let a
latent's frames depend on its neighbours, and decoding in pieces (long clips) gives the frames
of decoding the whole sequence at once."""
import torch

from talkie.models.codecs import VideoCodec, VideoCodecConfig


def _pair(seed=0):
    torch.manual_seed(seed)
    plain = VideoCodec(VideoCodecConfig(latent_dim=24))
    temporal = VideoCodec(VideoCodecConfig(latent_dim=24, temporal_mixing=True))
    missing = temporal.load_state_dict(plain.state_dict(), strict=False).missing_keys
    assert missing and all(k.startswith("temporal.") for k in missing)
    return plain.eval(), temporal.eval()


def _wake(codec, seed=1):
    """Give the temporal layers weights, as training would."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mix in codec.temporal:
            mix.conv.weight.copy_(0.05 * torch.randn(mix.conv.weight.shape, generator=g))


@torch.no_grad()
def test_temporal_layers_added_at_zero_leave_the_decoder_exactly_as_it_was():
    plain, temporal = _pair()
    z = torch.randn(2, 7, 24)
    assert torch.equal(plain.decode(z), temporal.decode(z))
    assert plain.temporal_reach == 0 and temporal.temporal_reach == len(temporal.temporal) == 5


@torch.no_grad()
def test_with_temporal_layers_a_latents_frames_depend_on_its_neighbours_only_within_reach():
    plain, temporal = _pair()
    _wake(temporal)
    z = torch.randn(1, 14, 24)
    moved = z.clone()
    moved[:, 3] += 1.0  # change latent 3 only
    f = plain.cfg.frames_per_latent
    for codec, reach in ((plain, 0), (temporal, temporal.temporal_reach)):
        change = (codec.decode(moved) - codec.decode(z)).abs().amax(dim=(2, 3, 4))[0]  # per frame
        per_latent = change.reshape(-1, f).amax(1)
        assert per_latent[3] > 1e-3
        near = [k for k in range(14) if 0 < abs(k - 3) <= reach]
        far = [k for k in range(14) if abs(k - 3) > reach]
        assert all(per_latent[k] > 0 for k in near), per_latent
        assert all(per_latent[k] == 0 for k in far), per_latent


@torch.no_grad()
def test_decoding_in_pieces_equals_decoding_the_whole_sequence():
    _, temporal = _pair()
    _wake(temporal)
    z = torch.randn(2, 23, 24)
    whole = temporal.decode(z)
    for piece in (1, 4, 10, 23, 40):
        assert torch.allclose(temporal.decode_in_pieces(z, piece), whole, atol=1e-6), piece
