"""CONDITIONING (core format) -> the text contexts the joint model reads."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..models.text_encoder import MINILM_DIM, TOKEN_DIM, TextEmbedding


def _entry_embeddings(cond_tensor, extra):
    if not torch.is_tensor(cond_tensor) or not isinstance(extra, dict):
        raise ValueError("this CONDITIONING is not in ComfyUI's format ([[tensor, dict], ...]); connect a Talkie "
                         "Text Encode output")
    tokens = cond_tensor.float()
    if tokens.dim() != 3 or tokens.shape[-1] != TOKEN_DIM or tokens.shape[0] < 1 or tokens.shape[1] < 1:
        raise ValueError(f"this CONDITIONING is not from Talkie Text Encode (token states of shape "
                         f"{tuple(tokens.shape)}, expected [1, L, {TOKEN_DIM}])")
    if not torch.isfinite(tokens).all():
        raise ValueError("this CONDITIONING contains NaN or infinite values")
    pooled = extra.get("pooled_output")
    if pooled is not None and (not torch.is_tensor(pooled) or pooled.numel() != tokens.shape[0] * MINILM_DIM):
        raise ValueError(f"this CONDITIONING's pooled_output is not from Talkie Text Encode (expected [1, {MINILM_DIM}]); "
                         "conditioning made for another model cannot drive Talkie")
    pooled = pooled.float() if pooled is not None else F.normalize(tokens[..., :MINILM_DIM].mean(1), dim=-1)
    main = TextEmbedding(tokens, torch.ones(tokens.shape[:2], dtype=torch.bool), pooled.reshape(tokens.shape[0], -1))
    aud = extra.get("talkie_audio")
    if aud is None:
        return main, main
    if not isinstance(aud, dict) or not torch.is_tensor(aud.get("tokens")) or not torch.is_tensor(aud.get("pooled")) \
            or aud["tokens"].dim() != 3 or aud["tokens"].shape[-1] != TOKEN_DIM \
            or aud["pooled"].numel() != aud["tokens"].shape[0] * MINILM_DIM:
        raise ValueError("this CONDITIONING's audio prompt (talkie_audio) is damaged; re-encode it with Talkie Text Encode")
    at = aud["tokens"].float()
    return main, TextEmbedding(at, torch.ones(at.shape[:2], dtype=torch.bool), aud["pooled"].float().reshape(at.shape[0], -1))


def to_text_embeddings(conditioning, batch: int) -> tuple[TextEmbedding, TextEmbedding]:
    """Several entries (from Conditioning Combine) are read as one longer context."""
    if not isinstance(conditioning, list) or not conditioning:
        raise ValueError("empty CONDITIONING: connect a Talkie Text Encode output")
    if not all(isinstance(c, (list, tuple)) and len(c) >= 1 for c in conditioning):
        raise ValueError("this CONDITIONING is not in ComfyUI's format ([[tensor, dict], ...]); connect a Talkie "
                         "Text Encode output")
    pairs = [_entry_embeddings(c[0], c[1] if len(c) > 1 else {}) for c in conditioning]

    def join(embs):
        if len(embs) == 1:
            e = embs[0]
        else:
            e = TextEmbedding(torch.cat([x.tokens[:1] for x in embs], 1), torch.cat([x.mask[:1] for x in embs], 1),
                              F.normalize(torch.stack([x.pooled[0] for x in embs]).mean(0, keepdim=True), dim=-1))
        if e.tokens.shape[0] == batch:
            return e
        return TextEmbedding(e.tokens[:1].expand(batch, -1, -1), e.mask[:1].expand(batch, -1),
                             e.pooled[:1].expand(batch, -1))

    return join([p[0] for p in pairs]), join([p[1] for p in pairs])
