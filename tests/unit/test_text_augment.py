"""Text-embedding augmentation: perturbs captions, never the unconditional prompt, never
hides a whole caption, and is the identity when switched off."""
import numpy as np
import pytest
import torch

from talkie.models.text_encoder import TextEmbedding
from talkie.models.training.text_augment import TextAugment


def _batch(B=64, L=12, D=384, seed=0):  # MiniLM width: random directions are near-orthogonal
    g = torch.Generator().manual_seed(seed)
    n = torch.randint(1, L + 1, (B,), generator=g)
    mask = torch.arange(L)[None] < n[:, None]
    tokens = torch.randn(B, L, D, generator=g) * mask[..., None]
    pooled = torch.randn(B, D, generator=g)
    return TextEmbedding(tokens, mask, pooled / pooled.norm(dim=-1, keepdim=True))


def test_off_is_identity_and_unknown_keys_are_refused():
    text = _batch()
    out = TextAugment()(text, np.zeros(64, bool), np.random.default_rng(0))
    assert out is text
    with pytest.raises(ValueError, match="unknown keys"):
        TextAugment.from_dict({"pooled_prob": 0.5})


def test_perturbs_captions_but_not_the_unconditional_prompt():
    text = _batch()
    uncond = np.zeros(64, bool)
    uncond[::4] = True
    aug = TextAugment(pooled_p=1.0, pooled_max=2.0, token_drop=0.3, token_noise_max=0.2)
    out = aug(text, uncond, np.random.default_rng(1))
    u = torch.from_numpy(uncond)
    assert torch.equal(out.tokens[u], text.tokens[u]) and torch.equal(out.mask[u], text.mask[u])
    assert torch.equal(out.pooled[u], text.pooled[u])
    cos = (out.pooled[~u] * text.pooled[~u]).sum(-1)
    assert torch.allclose(out.pooled.norm(dim=-1), torch.ones(64), atol=1e-5)   # still on the unit sphere
    assert cos.min() > 0.3 and cos.max() < 1.0 and cos.median() < 0.9           # moved, not replaced
    assert (out.mask.sum(1) >= 1).all()                                          # a caption never vanishes
    assert (out.mask <= text.mask).all()                                         # padding never appears
    hidden = (text.mask & ~out.mask)[~u].sum() / text.mask[~u].sum()
    assert 0.15 < hidden < 0.35
    assert (out.tokens[~text.mask] == 0).all()                                   # padding stays zero
    assert (out.tokens[~u] - text.tokens[~u]).abs().mean() > 0.01


def test_same_seed_same_perturbation():
    text = _batch()
    aug = TextAugment(pooled_p=0.5, token_drop=0.1, token_noise_max=0.1)
    a = aug(text, np.zeros(64, bool), np.random.default_rng(5))
    b = aug(text, np.zeros(64, bool), np.random.default_rng(5))
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.mask, b.mask) and torch.equal(a.pooled, b.pooled)


def test_colour_word_blank_keeps_only_the_colour_features_of_colour_words():
    from talkie.models.text_encoder import MINILM_DIM, TOKEN_DIM
    text = _batch(B=32, D=TOKEN_DIM)
    colour = torch.zeros(32, 12, dtype=torch.bool)
    colour[:, 0] = True                                 # token 0 of every caption names a colour
    tokens = text.tokens.clone()
    tokens[..., MINILM_DIM:] *= colour[..., None]       # only colour words carry colour features
    text = TextEmbedding(tokens, text.mask, text.pooled)
    uncond = np.zeros(32, bool)
    uncond[:4] = True
    out = TextAugment(colour_word_blank=0.5)(text, uncond, np.random.default_rng(2))
    changed = (out.tokens != text.tokens).any(-1)
    assert not changed[:4].any()                                             # unconditional untouched
    assert not changed[:, 1:].any()                                          # other tokens untouched
    blanked = changed[:, 0]
    assert 6 <= int(blanked.sum()) <= 22                                     # about half the captions
    assert torch.equal(out.tokens[..., MINILM_DIM:], text.tokens[..., MINILM_DIM:])  # features kept
    for b in torch.nonzero(blanked & (text.mask.sum(1) > 1)).flatten():
        rest = text.tokens[b, 1:int(text.mask[b].sum()), :MINILM_DIM].mean(0)
        assert torch.allclose(out.tokens[b, 0, :MINILM_DIM], rest, atol=1e-5)  # the caption's mean state
