"""Text-embedding augmentation for joint training: robustness to wording the grammar lacks.

Measured on the frozen MiniLM encoder (ball captions): a held-out paraphrase's sentence
embedding has cosine 0.47 to a training caption of the same scene, while two training
captions that differ in the ball's colour have 0.73. The sentence embedding mostly encodes
wording, so a model that leans on it treats a paraphrase as a new scene (smears, wrong
colour). Three generic perturbations, none of which knows any caption word, push the
attributes onto the per-token path and make the adaLN path tolerate unfamiliar sentences:

- the sentence embedding is moved toward a random direction (cosine down to ~0.45), then
  renormalised;
- each real token is hidden from cross-attention with a small probability (MiniLM's token
  states are contextual, so an attribute is also carried by its neighbours);
- the token states get a little Gaussian noise;
- in some captions the MiniLM part of every colour-name token is replaced by the caption's
  mean MiniLM state, leaving only the token's colour-survey features (`colour_words`) to say
  which colour it is: the model learns to read colour from what the name looks like, which
  is all it has for a colour word it never trained on.

The empty prompt (classifier-free guidance's unconditional branch) is never perturbed: at
sampling time it is exactly the empty embedding."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from ..text_encoder import MINILM_DIM, TextEmbedding


@dataclass(frozen=True)
class TextAugment:
    pooled_p: float = 0.0          # share of captions whose sentence embedding is moved
    pooled_max: float = 2.0        # noise norm drawn from U(0, pooled_max); 2.0 -> cosine ~0.45
    token_drop: float = 0.0        # probability of hiding each real token (one always stays)
    token_noise_max: float = 0.0   # per-dim noise std drawn from U(0, this) per caption
    colour_word_blank: float = 0.0  # share of captions whose colour-name tokens lose their MiniLM state

    @classmethod
    def from_dict(cls, d: dict | None) -> "TextAugment":
        d = d or {}
        unknown = set(d) - set(asdict(cls()))
        if unknown:
            raise ValueError(f"text_augment: unknown keys {sorted(unknown)}")
        return cls(**d)

    @property
    def active(self) -> bool:
        return self.pooled_p > 0 or self.token_drop > 0 or self.token_noise_max > 0 or self.colour_word_blank > 0

    def __call__(self, text: TextEmbedding, keep: np.ndarray, rng: np.random.Generator) -> TextEmbedding:
        """Perturb the captions of `text` where `keep` is False (`keep` marks the empty
        prompts of the unconditional branch). Returns a new embedding."""
        if not self.active:
            return text
        B, L, D = text.tokens.shape
        aug = torch.from_numpy(~keep)
        tokens, mask, pooled = text.tokens, text.mask, text.pooled  # replaced, never written in place

        move = aug & torch.from_numpy(rng.random(B) < self.pooled_p)
        direction = torch.from_numpy(rng.standard_normal((B, pooled.shape[-1]))).float()
        direction = direction / direction.norm(dim=-1, keepdim=True)
        radius = torch.from_numpy(rng.uniform(0, self.pooled_max, B)).float()[:, None]
        moved = pooled + radius * direction
        moved = moved / moved.norm(dim=-1, keepdim=True)
        pooled = torch.where(move[:, None], moved, pooled)

        hide = torch.from_numpy(rng.random((B, L)) < self.token_drop) & mask & aug[:, None]
        first_real = torch.zeros_like(mask)
        first_real[torch.arange(B), mask.float().argmax(1)] = True
        hide &= ~first_real  # never hide every token of a caption
        mask = mask & ~hide

        std = torch.from_numpy(rng.uniform(0, self.token_noise_max, B)).float() * aug.float()
        tokens = tokens + std[:, None, None] * torch.from_numpy(rng.standard_normal((B, L, D))).float()
        tokens = tokens * text.mask[..., None]  # padding stays zero
        if self.colour_word_blank > 0:  # drawn only when on: older configs keep their random stream
            tokens = self._blank_colour_words(tokens, text, aug, rng)
        return TextEmbedding(tokens, mask, pooled)

    def _blank_colour_words(self, tokens, text, aug, rng):
        """Replace the MiniLM part of colour-name tokens (those with colour features) by the
        mean MiniLM state of the caption's other real tokens, in a `colour_word_blank` share
        of the augmented captions. The colour features themselves are kept."""
        B, mask = tokens.shape[0], text.mask
        colour = (text.tokens[..., MINILM_DIM:] != 0).any(-1) & mask  # before the noise touched them
        blank = aug & torch.from_numpy(rng.random(B) < self.colour_word_blank)
        others = (mask & ~colour).float()[..., None]
        context = (tokens[..., :MINILM_DIM] * others).sum(1) / others.sum(1).clamp(min=1)
        replace = (colour & blank[:, None])[..., None]
        word = torch.where(replace, context[:, None, :].expand_as(tokens[..., :MINILM_DIM]), tokens[..., :MINILM_DIM])
        return torch.cat([word, tokens[..., MINILM_DIM:]], -1)
