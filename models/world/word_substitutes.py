"""Words MiniLM reads as meaning the same as a training caption's family words, for training
captions that do not always say a family by the same few words.

Why: the model reads the scene family off its caption's tokens through cross-attention, and
with a grammar that names each family by a handful of fixed words it learns to spot those
words. A paraphrase that avoids them ("someone applauding", "a tumbler smashes") is then drawn
as another family, though MiniLM's sentence embedding alone puts 95 % of held-out captions
nearest training captions of the right family (session 37, MODEL_CARD.md). Training captions
in which a family word is sometimes said by a neighbour MiniLM gives for it ("clapping" ->
"cheering", "shatters" -> "cracking") widen what the cross-attention takes for that family.

Which words change: the words that say what a scene is and does (the ball, its bounce, the
clap, the drum and its stick, the glass's shatter, the storm, the face and its talk, the
keyboard, its melody and lights, the rain) and the templates' own words. Attribute words
(colours, materials, sizes, tempos, voices, distances, intensities, surfaces, the count) never
change, and no substitute is one of them: "red" must not become "blue", nor "rubber" "plastic".

Which substitutes: the vocabulary words whose one-word MiniLM embedding is nearest the word's,
- nearer it than any attribute word ("size" must not become "smaller"), not a one-word colour
  name, not another family's training word, and not the word's own plural or another ending of
  it (which would say a count, or add nothing);
- kept only where, put in the word's training captions, MiniLM's state for them in context
  (what cross-attention reads) is as close to the word's as the grammar's own synonyms of
  family words are to each other (their median). This drops senses the caption does not mean
  ("thunder" -> "playoffs").
Words of the held-out captions, and words that differ from one only in their ending
("smashing" for "smashes"), are never substitutes, so paraphrase evaluations stay unseen.

The table is built once with MiniLM (`python -m talkie.models.world.word_substitutes`) and
shipped as `word_substitutes.json`, so renderer processes only read it."""
from __future__ import annotations

import argparse
import functools
import json
import os
import re

import numpy as np

from .captions import COUNT, W, split_words, with_articles

TABLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "word_substitutes.json")

# the keys whose words say what a scene is or does; every other key of W is an attribute value
IDENTITY_KEYS = ("ball", "bounce", "clap", "drum", "struck", "shatter", "storm", "face", "talk", "keyboard",
                 "melody", "lights", "rain")
STOPWORDS = frozenset("""a an the of on in at to and or by with as while is are be it its each every
some we see hear made then up down into onto from for this that there their his her them who what
""".split())
NEIGHBOURS = 24           # vocabulary neighbours considered per word
MIN_WORD_COSINE = 0.5     # one-word embeddings at least this close
CAPTIONS_PER_WORD = 8


def heldout_only_words() -> set[str]:
    """Words of the held-out synonyms and templates that training captions never say."""
    return split_words("heldout") - split_words("train")


def _shares_stem(a: str, b: str) -> bool:
    """Same word but for its ending ("smashes" / "smashing", "applauding" / "applause")."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n >= 4 and n >= min(len(a), len(b)) - 2


def attribute_words() -> set[str]:
    """Every word of any split that says an attribute value."""
    attrs = [k for k in W if k not in IDENTITY_KEYS]
    return split_words("train", attrs) | split_words("heldout", attrs) | set(COUNT.values())


def _colour_name_words() -> set[str]:
    """The colour survey's one-word names ("maroon", "grey"): a substitute must not say a colour."""
    from ..colour_words import lexicon

    return {name for name in lexicon() if re.fullmatch(r"[a-z]+", name)}


def substitutable_words() -> set[str]:
    """Training words that may be said by a substitute: family words and template words."""
    identity = split_words("train", IDENTITY_KEYS)
    template = split_words("train") - split_words("train", W)  # the templates' and rain clauses' own words
    return {w for w in identity | template if len(w) > 2} - STOPWORDS - attribute_words()


def _family_words() -> dict[str, set[str]]:
    """Identity key -> its training words (a substitute for one key's word must not be another's)."""
    return {k: split_words("train", [k]) for k in IDENTITY_KEYS}


def substitute_words(text: str, rng, p: float, table: dict[str, list[str]] | None = None) -> str:
    """Each word of `text` that has substitutes is replaced by one of them with probability
    `p`. Draws nothing from `rng` when `p` is 0."""
    if p <= 0:
        return text
    table = load_table() if table is None else table

    def swap(m):
        subs = table.get(m.group(0))
        return str(rng.choice(subs)) if subs and rng.random() < p else m.group(0)

    out = re.sub(r"[a-z]+", swap, text)
    # the article follows the new word
    return with_articles(re.sub(r"\ban (?=[^aeiou\W])", "a ", out))


@functools.lru_cache(maxsize=1)
def load_table() -> dict[str, list[str]]:
    with open(TABLE_PATH) as f:
        return json.load(f)["substitutes"]


def _training_captions(n_per_family: int, seed: int = 37) -> list[str]:
    from . import FAMILIES, sample_scene
    from .captions import caption

    out = []
    for i, fam in enumerate(sorted(FAMILIES)):
        rng = np.random.default_rng([seed, i])
        out += [caption(sample_scene(rng, fam), rng, "train") for _ in range(n_per_family)]
    return out


def _word_states(te, texts: list[str], words: list[str]):
    """MiniLM's contextual state of `words[i]` (its first occurrence, wordpieces averaged) in
    `texts[i]`: what the model's cross-attention reads for that word."""
    import torch

    from ..text_encoder import MINILM_DIM

    out = []
    for i in range(0, len(texts), 256):
        chunk, ws = texts[i:i + 256], words[i:i + 256]
        embs = te._encode_batch(chunk)
        for t, w, e, enc in zip(chunk, ws, embs, te.tokenizer.encode_batch(chunk)):
            m = re.search(rf"\b{re.escape(w)}\b", t)
            pieces = [j for j, (a, b) in enumerate(enc.offsets) if b > a and a < m.end() and b > m.start()]
            out.append(e.tokens[0, pieces, :MINILM_DIM].mean(0))
    return torch.nn.functional.normalize(torch.stack(out), dim=-1)


def _synonym_cosines(te, captions: list[str]) -> list[float]:
    """How close the grammar's own one-word synonyms of a family word read in context: the
    bar a substitute must clear."""
    out = []
    for k in IDENTITY_KEYS:
        syn = [s for s in W[k][0] if re.fullmatch(r"[a-z]+", s)]
        for a in syn:
            own = [c for c in captions if re.search(rf"\b{a}\b", c)][:CAPTIONS_PER_WORD]
            if not own:
                continue
            base = _word_states(te, own, [a] * len(own))
            for b in syn:
                if b != a:
                    moved = _word_states(te, [re.sub(rf"\b{a}\b", b, c) for c in own], [b] * len(own))
                    out.append(float((moved * base).sum(-1).mean()))
    return out


def build_table(encoder=None) -> dict:
    """Substitutes per substitutable word, chosen with MiniLM (see the module docstring)."""
    import torch

    from ..text_encoder import TextEncoder

    te = encoder or TextEncoder()

    def embed(texts):
        return torch.cat([torch.cat([e.pooled for e in te._encode_batch(texts[i:i + 256])])
                          for i in range(0, len(texts), 256)])

    vocab = sorted(w for w in te.tokenizer.get_vocab() if re.fullmatch(r"[a-z]{3,}", w))
    vocab_emb = embed(vocab)
    heldout = heldout_only_words()
    banned = heldout | attribute_words() | STOPWORDS | _colour_name_words()
    families = _family_words()
    attrs = sorted(attribute_words() - STOPWORDS)
    attr_emb = embed(attrs)
    captions = _training_captions(300)
    bar = float(np.median(_synonym_cosines(te, captions)))
    table = {}
    for word in sorted(substitutable_words()):
        mine = set().union(*(v for v in families.values() if word in v))
        excluded = banned | (set().union(*families.values()) - mine)  # and another family's words
        sims = (vocab_emb @ embed([word]).T).squeeze(1)
        top = sims.topk(NEIGHBOURS + 1)
        # nearer an attribute word than the word itself ("size" -> "smaller"): it would say a value
        nearest_attr = (vocab_emb[top.indices] @ attr_emb.T).max(1).values
        cands = [vocab[j] for s, j, a in zip(top.values.tolist(), top.indices.tolist(), nearest_attr.tolist())
                 if s >= MIN_WORD_COSINE and a < s and vocab[j] != word and vocab[j] not in excluded
                 and not _shares_stem(vocab[j], word) and not any(_shares_stem(vocab[j], h) for h in heldout)]
        own = [c for c in captions if re.search(rf"\b{word}\b", c)][:CAPTIONS_PER_WORD]
        if not cands or not own:
            continue
        base = _word_states(te, own, [word] * len(own))
        kept = []
        for c in cands:
            moved = _word_states(te, [re.sub(rf"\b{word}\b", c, t) for t in own], [c] * len(own))
            if float((moved * base).sum(-1).mean()) >= bar:
                kept.append(c)
        if kept:
            table[word] = kept
    return {"about": "built by `python -m talkie.models.world.word_substitutes` with all-MiniLM-L6-v2",
            "neighbours": NEIGHBOURS, "min_word_cosine": MIN_WORD_COSINE,
            "min_context_cosine": round(bar, 4), "substitutes": table}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=TABLE_PATH)
    a = p.parse_args(argv)
    table = build_table()
    with open(a.out, "w") as f:
        json.dump(table, f, indent=1, sort_keys=True)
        f.write("\n")
    n = sum(len(v) for v in table["substitutes"].values())
    print(f"{len(table['substitutes'])} words, {n} substitutes -> {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
