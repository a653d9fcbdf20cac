"""Which colour-survey names describe each colour the world renders: extra training words for
colour slots, so the model learns to read colours from `colour_words`' perceptual features
and not only from the grammar's six words per colour.

A name describes world colour c when c is the nearest world colour to it (CIELAB distance)
and either every basic colour term in the name agrees with c ("bright sea green" -> green;
"cloudy blue", nearest to white, describes nothing) within a loose radius, or the name has
no basic term ("carmine", "custard") and sits clearly nearer c than any other colour within
a tight radius. Names sharing a word with a held-out caption word are never used, so
paraphrase evaluations stay unseen."""
from __future__ import annotations

import functools
import re

import numpy as np

from ..colour_words import colour_spans, lexicon, normalise_name, srgb_to_lab
from .captions import AUDIO_WORDS, RAIN_OVERLAY, TEMPLATES, W, split_words
from .families.common import COLOURS

NAMED_RADIUS = 45.0     # CIELAB distance for names with an agreeing basic term
UNNAMED_RADIUS = 30.0   # ... and for names without one
UNNAMED_MARGIN = 1.25   # the runner-up colour must be this much farther

# basic colour terms that occur inside survey names -> the world colour they imply (None: the
# world renders no such colour, so the name describes none of its colours)
BASIC_TERMS = {c: c for c in COLOURS} | {
    "violet": "purple", "lavender": "purple", "mauve": "purple", "magenta": "purple", "navy": "blue",
    "gold": "yellow", "golden": "yellow", "crimson": "red",
    **{t: None for t in ("pink", "brown", "grey", "gray", "black", "teal", "cyan", "tan", "olive", "maroon", "beige",
                         "aqua", "turquoise", "indigo", "khaki", "peach", "salmon", "rose", "burgundy", "lime")}}


@functools.lru_cache(maxsize=1)
def _world_labs() -> np.ndarray:
    return srgb_to_lab(np.array([COLOURS[c] for c in COLOURS], float))


def world_colour_distances(lab: np.ndarray) -> np.ndarray:
    """CIELAB distance from `lab` to each world colour, in the order of `COLOURS`."""
    return np.linalg.norm(_world_labs() - lab, axis=-1)


def _heldout_only_words() -> set[str]:
    return split_words("heldout", W) - split_words("train", W)  # synonyms only, not templates


@functools.lru_cache(maxsize=1)
def training_colour_names() -> dict[str, list[str]]:
    """World colour -> survey names (hyphen-free, lower case) that may fill its caption slot."""
    names = list(COLOURS)
    banned = _heldout_only_words()
    out = {c: [] for c in names}
    for name, lab in lexicon().items():
        words = name.split()
        if banned & set(words):
            continue
        dist = world_colour_distances(lab)
        order = np.argsort(dist)
        nearest = names[int(order[0])]
        terms = [BASIC_TERMS[w] for w in words if w in BASIC_TERMS]
        if terms:
            ok = all(t == nearest for t in terms) and dist[order[0]] < NAMED_RADIUS
        else:
            ok = dist[order[0]] < UNNAMED_RADIUS and dist[order[1]] > UNNAMED_MARGIN * dist[order[0]]
        if ok:
            out[nearest].append(name)
    return {c: sorted(v) for c, v in out.items()}


@functools.lru_cache(maxsize=1)
def grammar_names_of_other_things() -> frozenset[str]:
    """Survey names the caption grammar uses for something other than a colour ("steel" is a
    metal, "pine" a wood, "dark" the storm's sky): training that hides colour names from MiniLM
    keeps these readable, and colour grounding leaves them as written."""
    phrases = [w for key, splits in W.items() if key not in COLOURS for words in splits for w in words]
    templates = [t for pair in TEMPLATES.values() for split in pair for t in split]
    templates += [t for split in RAIN_OVERLAY for t in split] + list(AUDIO_WORDS.values())
    phrases += [re.sub(r"\{\w+\}", ",", t) for t in templates]  # the fixed words around the slots
    return frozenset(normalise_name(p[start:end]) for p in phrases for start, end, _ in colour_spans(p))


@functools.lru_cache(maxsize=1)
def trained_colour_vocabulary():
    """The colour words training captions use, as a `ColourVocabulary`: the grammar's training
    synonyms and `training_colour_names`, each with its survey colour (the world's own rendered
    colour where the survey has no such name, e.g. "snow-white") and the colour's plain grammar
    word ("red") to say in its place; the grammar's other colour-like words ("steel") are known."""
    from ..colour_grounding import ColourVocabulary

    lex = lexicon()
    colours = {}
    for c in COLOURS:
        plain = W[c][0][0]
        for word in W[c][0]:
            name = normalise_name(re.sub(r"-colou?red$", "", word))
            colours[word] = (lex.get(name, srgb_to_lab(COLOURS[c])), plain)
        for name in training_colour_names()[c]:
            colours.setdefault(name, (lex[name], plain))
    return ColourVocabulary(colours, grammar_names_of_other_things())
