"""Where the frozen text encoder puts the held-out wording, before any Talkie training.

    python scripts/paraphrase_neighbours.py [--scenes 40] [--json OUT] [--markdown OUT]

The joint model only ever sees training-grammar captions; a held-out word reaches the right
attribute value only if the frozen MiniLM already places it near that value's training
synonyms. Two measurements of that, no model involved:

- words: each held-out synonym, alone, against every training synonym of its attribute's
  values (pooled-embedding cosine) -> the value of the nearest one;
- in a sentence: a held-out caption with its held-out word swapped for every training
  synonym of every value of that attribute; the value whose swapped sentence is nearest the
  original is the encoder's answer (the rest of the sentence is held equal, so wording
  elsewhere cannot decide it). Control: a training caption's word against the other
  training synonyms, its own left out.

A rough gauge of how far the encoder's own geometry carries each held-out word toward its
value; the model reads token states with its own learnt weights, so this is no bound on it."""
from __future__ import annotations

import argparse
import copy
import json
import re
import sys

import numpy as np
import torch

from talkie.models.text_encoder import TextEncoder
from talkie.models.world import FAMILIES, caption, sample_scene
from talkie.models.world.captions import W

# scene keys that hold an attribute's value as they are ("intensity"/"surface": the rain family's
# own); "colour" and the overlay's "rain.*" attributes are read and set in their own way below
_FLAT = ("material", "size", "tempo", "tint", "distance", "voice", "light", "intensity", "surface")


def word_key(attribute: str, value: str) -> str:
    """The caption grammar's W key for an attribute value."""
    return "surface_" + value if attribute.endswith("surface") else value


def read_value(scene: dict, attribute: str):
    if attribute.startswith("rain."):
        return (scene.get("rain") or {}).get(attribute[5:])
    if attribute == "colour":
        if scene["family"] == "ball":
            return scene["colours"][0] if scene["count"] == 1 else None  # one colour word per caption
        return scene.get("colour")
    return scene.get(attribute)


def with_value(scene: dict, attribute: str, value: str) -> dict:
    out = copy.deepcopy(scene)
    if attribute.startswith("rain."):
        out["rain"][attribute[5:]] = value
        if out["family"] == "rain":
            out[attribute[5:]] = value
    elif attribute == "colour" and out["family"] == "ball":
        out["colours"], out["colour"], out["count"] = [value], value, 1
    else:
        out[attribute] = value
        if out["family"] == "rain":
            out["rain"][attribute] = value
    return out


def attribute_values(n: int = 3000, seed: int = 0) -> dict[str, dict[str, list[str]]]:
    """family -> attribute -> the values the world samples (read off sampled scenes)."""
    rng = np.random.default_rng(seed)
    seen: dict[str, dict[str, set]] = {f: {} for f in FAMILIES}
    for _ in range(n):
        s = sample_scene(rng)
        for a in ("colour", *_FLAT, "rain.intensity", "rain.surface"):
            if a in ("intensity", "surface") and s["family"] != "rain":
                continue
            if a.startswith("rain.") and s["family"] == "rain":
                continue
            v = read_value(s, a)
            if isinstance(v, str):
                seen[s["family"]].setdefault(a, set()).add(v)
    return {f: {a: sorted(v) for a, v in attrs.items() if len(v) > 1} for f, attrs in seen.items()}


def _whole(word: str) -> str:
    return rf"(?<![\w-]){re.escape(word)}(?!\w)"


def find_word(text: str, words: list[str]) -> str | None:
    """The longest of `words` that occurs in `text` as a word ("rose-red" is not "red"; a
    suffix such as "-voiced" may follow)."""
    hits = [w for w in words if re.search(_whole(w), text)]
    return max(hits, key=len) if hits else None


def encoder_choice(te: TextEncoder, text: str, word: str, candidates: dict[str, list[str]]) -> str:
    """`text` with `word` swapped for each candidate synonym: the value owning the synonym
    whose swapped sentence is nearest the original (pooled cosine)."""
    q = te.encode(text).pooled[0]
    pattern = _whole(word)
    best, best_cos = None, -2.0
    for value, synonyms in candidates.items():
        swapped = [re.sub(pattern, w, text, count=1) for w in synonyms]
        cos = float((te.encode(swapped).pooled @ q).max()) if swapped else -2.0
        if cos > best_cos:
            best, best_cos = value, cos
    return best


def caption_neighbours(te: TextEncoder, values: dict, scenes: int) -> dict:
    """family.attribute -> {"heldout": share right, "train": share right (control), "n"}.
    heldout: the held-out word of a held-out caption against every training synonym of every
    value, in that same sentence. train (control): a training caption's word against the
    *other* training synonyms (its own left out)."""
    out = {}
    for fam, attrs in values.items():
        rng = np.random.default_rng(1)
        pool = [sample_scene(rng, family=fam) for _ in range(scenes)]
        for attr, vals in attrs.items():
            name = attr.split(".")[-1]
            synonyms = {v: W[word_key(name, v)] for v in vals}
            right, n = {"heldout": 0, "train": 0}, {"heldout": 0, "train": 0}
            for i, s in enumerate(pool):
                truth = read_value(s, attr)
                if truth is None:
                    continue
                for split, side in (("train", 0), ("heldout", 1)):
                    text = caption(s, np.random.default_rng([10_000 + i]), split)
                    word = find_word(text, synonyms[truth][side])
                    if word is None:
                        continue
                    candidates = {v: [w for w in syn[0] if w != word] for v, syn in synonyms.items()}
                    n[split] += 1
                    right[split] += encoder_choice(te, text, word, candidates) == truth
            if n["heldout"]:
                out[f"{fam}.{attr}"] = {"heldout": right["heldout"] / n["heldout"],
                                        "train": right["train"] / max(n["train"], 1), "n": n["heldout"]}
    return out


def word_neighbours(te: TextEncoder, values: dict) -> dict:
    """"attribute (families)" -> [(held-out word, its value, nearest training word's value, that word)].
    Attributes with the same values in several families (rain, colour of drum and ...) are one group."""
    groups: dict[tuple, list[str]] = {}
    for fam, attrs in values.items():
        for attr, vals in attrs.items():
            groups.setdefault((attr.split(".")[-1], tuple(vals)), []).append(fam)
    out = {}
    for (name, vals), fams in groups.items():
        train = [(v, w) for v in vals for w in W[word_key(name, v)][0]]
        T = te.encode([w for _, w in train]).pooled
        rows = []
        for v in vals:
            for h in W[word_key(name, v)][1]:
                nearest = train[int(torch.argmax(T @ te.encode(h).pooled[0]))]
                rows.append((h, v, nearest[0], nearest[1]))
        out[f"{name} ({', '.join(fams)})"] = rows
    return out


def markdown(words: dict, sentences: dict) -> str:
    lines = ["| attribute | held-out words placed nearest their own value | misplaced (word → nearest training word) |",
             "|---|---|---|"]
    for name, rows in words.items():
        bad = [f"{h} → {w} ({n})" for h, v, n, w in rows if n != v]
        lines.append(f"| {name} | {len(rows) - len(bad)}/{len(rows)} | {', '.join(bad) or '–'} |")
    lines += ["", "| family.attribute | scenes | held-out caption → right value | training caption (control) |",
              "|---|---|---|---|"]
    for name, r in sentences.items():
        lines.append(f"| {name} | {r['n']} | {r['heldout']:.0%} | {r['train']:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenes", type=int, default=40, help="scenes per family for the caption measurement")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json")
    p.add_argument("--markdown")
    a = p.parse_args(argv)
    if a.scenes < 1:
        p.error("--scenes must be at least 1")
    torch.set_num_threads(a.threads)
    te = TextEncoder(cache_size=100_000)
    values = attribute_values()
    words = word_neighbours(te, values)
    sentences = caption_neighbours(te, values, a.scenes)
    md = markdown(words, sentences)
    print(md)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"scenes": a.scenes, "words": words, "captions": sentences}, f, indent=1)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
