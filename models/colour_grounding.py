"""Colour names a model never trained on, said with the colour words it did train on.

A model learns the colour words of its captions. Asked for a colour by another name
("cobalt", "lilac", "lemon-yellow") it must guess from MiniLM's reading of the word, which
places colours by how text uses them, not by how they look ("cobalt" sits nearest "crimson";
`scripts/paraphrase_neighbours.py`). The xkcd colour survey says how each of ~950 names looks
(`colour_words.lexicon`), so the gap closes before the model runs: every colour name the model
never trained on is replaced by the trained word for the nearest trained colour (CIELAB
distance to each trained name's own survey colour). A checkpoint carries its trained colour
vocabulary in its metadata (`COLOUR_VOCABULARY_KEY`); a model without one is left alone.

Only words used as colours are replaced. Many survey names are also nouns ("sky", "grass",
"wine"), so a name is taken as a colour when it contains one of Berlin & Kay's eleven basic
colour terms, ends in "-coloured", is followed directly by another word that is not a
function word ("a cobalt ball" yes, "under the sky." and "the sky is" no), is joined by
"and"/"or" to another colour name ("scarlet and purple globes", "pale and scarlet"), or stands right after a
copula, where English puts predicative adjectives ("a globe that is lilac and huge"; a mass
noun there, "the floor is sand", is read as a colour too: the price of the rule). Words the model
trained on in other roles ("steel" the metal) are known words and never replaced."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .colour_words import colour_spans, normalise_name

COLOUR_VOCABULARY_KEY = "colour_vocabulary"  # checkpoint metadata: see ColourVocabulary.to_meta
BASIC_COLOUR_TERMS = frozenset(
    "black white red green yellow blue brown purple pink orange grey gray".split())
# words after which a survey name reads as a noun, not as a colour: "the sky is", "sand and ..."
FUNCTION_WORDS = frozenset("""a an the and or but nor of in on at to by for from with without under over above
    below behind beside between into onto through across near as than that which who while when where is are was
    were be been being has have had do does did it its this these those there then so if""".split())
# verbs after which a bare survey name is a predicative adjective: "that is lilac and huge"
COPULAS = frozenset("is are was were be been being looks look seems seem appears appear".split())
_NEXT_WORD = re.compile(r"[ -]([A-Za-z]+)")
_PREVIOUS_WORD = re.compile(r"([A-Za-z]+)\s+$")
_AND_OR_BEFORE = re.compile(r"\s+(?:and|or)\s+$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Grounding:
    """What `ColourVocabulary.ground` replaced: the prompt's name and the word said instead."""
    name: str
    said: str


class ColourVocabulary:
    """The colour names one model trained on: name -> (its survey CIELAB, the word to say for it)."""

    def __init__(self, colours: dict[str, tuple[np.ndarray, str]], other_words=()):
        if not colours:
            raise ValueError("a colour vocabulary needs at least one trained colour name")
        unique = {}  # "brick-red" and "brick red" are one name; the first spelling given wins
        for name, entry in colours.items():
            unique.setdefault(normalise_name(name), entry)
        self.names = list(unique)
        self.labs = np.stack([np.asarray(lab, np.float64) for lab, _ in unique.values()])
        self.say = [s for _, s in unique.values()]
        self.known = frozenset(self.names) | frozenset(normalise_name(w) for w in other_words)

    def to_meta(self) -> dict:
        return {"colours": [[n, *(round(float(v), 2) for v in lab), s]
                            for n, lab, s in zip(self.names, self.labs, self.say)],
                "other_words": sorted(self.known - set(self.names))}

    @classmethod
    def from_meta(cls, meta: dict | None) -> "ColourVocabulary | None":
        """The vocabulary a checkpoint's metadata records, or None where it records none."""
        entry = (meta or {}).get(COLOUR_VOCABULARY_KEY)
        if not entry:
            return None
        try:
            colours = {n: (np.array([L, a, b], np.float64), str(s)) for n, L, a, b, s in entry["colours"]}
            return cls(colours, entry.get("other_words", ()))
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"checkpoint metadata {COLOUR_VOCABULARY_KEY!r} is malformed: {e}") from None

    def nearest(self, lab: np.ndarray) -> str:
        return self.say[int(np.argmin(np.linalg.norm(self.labs - lab, axis=-1)))]

    def ground(self, text: str) -> tuple[str, list[Grounding]]:
        """`text` with each untrained colour name replaced (article mended: "an amber" -> "a
        yellow"), and what was replaced."""
        out, done, last = [], [], 0
        spans = colour_spans(text)
        starts, ends = {start for start, _, _ in spans}, {end for _, end, _ in spans}
        for start, end, lab in spans:
            name = normalise_name(text[start:end])
            if name in self.known or not _used_as_colour(text, start, end, name, starts, ends):
                continue
            said = self.nearest(lab)
            head = text[last:start]
            article = re.search(r"\b([Aa])n?(\s+)$", head)
            if article:  # the article agrees with the new word
                an = "n" if said[:1].lower() in "aeiou" else ""
                head = head[:article.start()] + article.group(1) + an + article.group(2)
            out += [head, said]
            done.append(Grounding(text[start:end], said))
            last = end
        out.append(text[last:])
        return "".join(out), done


def _used_as_colour(text: str, start: int, end: int, name: str, colour_starts: set[int],
                    colour_ends: set[int]) -> bool:
    words = name.split()
    if BASIC_COLOUR_TERMS & set(words) or words[-1] in ("coloured", "colored"):
        return True
    previous = _PREVIOUS_WORD.search(text, 0, start)
    if previous and previous.group(1).lower() in COPULAS:  # "that is lilac and huge"
        return True
    joined = _AND_OR_BEFORE.search(text, 0, start)
    if joined and joined.start() in colour_ends:  # "pale and scarlet": coordinated after a colour name
        return True
    following = _NEXT_WORD.match(text, end)
    if not following:
        return False
    word = following.group(1).lower()
    if word in ("and", "or"):  # "scarlet and purple globes": coordinated with another colour name
        after = _SPACES.match(text, following.end())
        return bool(after) and after.end() in colour_starts
    return word not in FUNCTION_WORDS
