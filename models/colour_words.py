"""Colour names grounded in what people see, as a per-token feature beside MiniLM's states.

MiniLM learnt colour words from text alone and places some of them far from what they look
like (measured on the held-out words: "cobalt" sits nearest "crimson", "lilac" nearest
"milky white"; `scripts/paraphrase_neighbours.py`), and no reader trained on its states
recovers more than ~70 % of unseen colour words. The xkcd colour survey asked people to name
colours they were shown; its ~950 names with the colour each was given (shipped by matplotlib
as `XKCD_COLORS`) are a perceptual dictionary. `colour_spans` finds those names in a prompt
and `token_colour_features` gives every token of a name the CIELAB coordinates of its colour,
so the joint model can read *what colour* a word names, whatever MiniLM makes of it. Words
that name no colour get zeros; context ("a steel ball") is left to the model.

Pure numpy; matplotlib is imported once, on first use."""
from __future__ import annotations

import functools
import math
import re

import numpy as np

FEATURES = 8           # per-token feature size, see `lab_features`
# A MiniLM token state has norm ~7 over 384 numbers; unscaled, a colour's 8 features have ~1.7.
# Scaled to weigh about as much, the zero-initialised projection columns that read them learn
# at the pace of the rest (measured: unscaled, 1,400 steps moved them ~10x less than needed).
FEATURE_GAIN = 4.0
MAX_NAME_WORDS = 3     # the longest survey names worth matching ("light sky blue")
_WORD = re.compile(r"[a-z]+")
_COLOURED = ("coloured", "colored")


def srgb_to_lab(rgb) -> np.ndarray:
    """sRGB 0..255 [..., 3] -> CIELAB (D65) [..., 3]."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = c @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    return np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]), 200.0 * (f[..., 1] - f[..., 2])], -1)


def normalise_name(name: str) -> str:
    """'xkcd:Green/Yellow' and 'green-yellow' -> 'green yellow'."""
    return " ".join(_WORD.findall(name.lower().removeprefix("xkcd:").replace("'", "")))


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, np.ndarray]:
    """Normalised survey name -> CIELAB of the colour people gave it."""
    from matplotlib.colors import XKCD_COLORS

    out = {}
    for name, hexv in XKCD_COLORS.items():
        rgb = [int(hexv[i:i + 2], 16) for i in (1, 3, 5)]
        out[normalise_name(name)] = srgb_to_lab(rgb)
    return out


def colour_spans(text: str) -> list[tuple[int, int, np.ndarray]]:
    """Colour names in `text`: (start, end, CIELAB) character spans, longest name first
    ("sky blue" is one name, not "sky" + "blue"). Words join by a space or a hyphen; a
    trailing "-coloured" belongs to the name ("plum-coloured")."""
    lex = lexicon()
    low = text.lower()
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(low)]

    def joined(i, j):  # words i..j-1 separated only by single spaces or hyphens
        return all(low[words[k][1]:words[k + 1][0]] in (" ", "-") for k in range(i, j - 1))

    spans, i = [], 0
    while i < len(words):
        for n in range(min(MAX_NAME_WORDS, len(words) - i), 0, -1):
            key = " ".join(w for _, _, w in words[i:i + n])
            if key in lex and joined(i, i + n):
                end, nxt = words[i + n - 1][1], i + n
                if nxt < len(words) and words[nxt][2] in _COLOURED and joined(nxt - 1, nxt + 1):
                    end, nxt = words[nxt][1], nxt + 1
                spans.append((words[i][0], end, lex[key]))
                i = nxt
                break
        else:
            i += 1
    return spans


def lab_features(lab: np.ndarray) -> np.ndarray:
    """CIELAB -> the FEATURES numbers a token of that colour carries (times FEATURE_GAIN): a
    flag, L, a, b and chroma (all /100), the hue as a unit vector faded out for greys (hue is
    noise there), and the lightness of greys and whites (what tells white from grey from black)."""
    L, a, b = (float(v) for v in lab)
    chroma = math.hypot(a, b)
    hue = math.atan2(b, a)
    colourful = min(chroma / 20.0, 1.0)
    return FEATURE_GAIN * np.array([1.0, L / 100, a / 100, b / 100, chroma / 100, math.cos(hue) * colourful,
                                    math.sin(hue) * colourful, L / 100 * (1.0 - min(chroma / 40.0, 1.0))], np.float32)


NEUTRAL_WORD = "coloured"  # what MiniLM reads in place of a colour name in `neutralise_colour_names`


def neutralise_colour_names(text: str, keep=frozenset()) -> tuple[str, list[tuple[int, int, np.ndarray]]]:
    """`text` with every colour name (bar the normalised names in `keep`) replaced by
    NEUTRAL_WORD, and the colour spans of the new text, each with its original name's CIELAB.

    Training reads some captions this way: MiniLM then cannot tell "lemon-yellow" from
    "scarlet" — not in the word's own state, nor through context or the sentence embedding —
    so the colour features are the only thing that says which colour is meant. `keep` spares
    names that mean something else in the caption ("steel" is a material, "pine" a wood)."""
    out, spans, last = [], [], 0
    for start, end, lab in colour_spans(text):
        if normalise_name(text[start:end]) in keep:
            continue
        head = text[last:start]
        head = re.sub(r"\b([Aa])n(\s+)$", r"\1\2", head)  # "an amber ball" -> "a coloured ball"
        out.append(head)
        at = sum(len(x) for x in out)
        out.append(NEUTRAL_WORD)
        spans.append((at, at + len(NEUTRAL_WORD), lab))
        last = end
    out.append(text[last:])
    neutral = "".join(out)
    kept = [sp for sp in colour_spans(neutral) if normalise_name(neutral[sp[0]:sp[1]]) in keep]
    return neutral, sorted(spans + kept, key=lambda sp: sp[0])


def token_colour_features(text: str, offsets: list[tuple[int, int]], spans=None) -> np.ndarray:
    """[len(offsets), FEATURES]: each token (character span from the tokenizer) inside a
    colour name gets that colour's features; every other token, and the special tokens
    (empty spans), get zeros. `spans` (start, end, CIELAB) replaces `colour_spans(text)`."""
    out = np.zeros((len(offsets), FEATURES), np.float32)
    for start, end, lab in (colour_spans(text) if spans is None else spans):
        feats = lab_features(lab)
        for t, (s, e) in enumerate(offsets):
            if e > s and s < end and e > start:
                out[t] = feats
    return out
