"""A second, wider training grammar: each family said by other words and other sentence shapes.

Why: the transformer spots a scene's family by the main grammar's few words for it, so a
paraphrase that leaves none of them and changes the sentence ("oops: a see-through tumbler
smashes on the ground") is drawn as another family, while a paraphrase that keeps either the
words or the sentence is read right (session 37, MODEL_CARD.md "Paraphrases drawn as another
family"). Swapping single words for MiniLM neighbours made no hard examples: the rest of the
sentence still said the family. Here a whole caption is drawn from this grammar instead, with
probability `wide_p` (training only): its own nouns and verbs for what a scene is and does,
its own clause and noun-phrase shapes, and framings that say nothing about the scene
("in this clip, …", "footage of …"). Attribute values (colours, sizes, materials, tempos,
voices, tints, distances, intensities, surfaces, the count) are said with the main grammar's
training words, so every caption still states the whole scene.

No word here that the main training grammar does not say is one the held-out captions alone
say, nor one that differs from such a word only in its ending ("tapping" for "tapped")
(`tests/unit/test_wide_captions.py` checks the words), and no shape is a held-out template's
with other words: no leading interjection and colon ("oops: …"), no "… of X, {tempo}" for claps
("close-up of …, briskly"), no rain-family caption that starts with the surface ("… under …"), no
ball "{colour} {ball} of {material}" after a framing verb ("watch …"). Session 38's run trained on
a first version that had those four shapes (`git show c73429d:models/world/wide_captions.py`;
MODEL_CARD.md, "The wider grammar")."""
from __future__ import annotations

import re

from .captions import _fill, with_articles  # the main grammar's spacing and a/an rule

# Identity words of this grammar: what a scene is and what it does.
WIDE_W = {
    "ball": ["ball", "sphere", "bouncy ball", "round thing", "rounded object", "ball-shaped object"],
    "bounces": ["bounces", "hops about", "bobs up and down", "jumps around", "bounds along the floor",
                "ricochets off the floor"],
    "bouncing": ["bouncing about", "hopping around", "bobbing up and down", "ricocheting off the floor",
                 "bounding along"],
    "clap_clause": ["two hands clap", "a person claps", "a man claps his hands", "a woman claps her hands",
                    "an audience member claps", "a pair of hands slap against each other"],
    "clap_phrase": ["handclaps", "a round of handclaps", "clapping from a pair of hands", "a person's clapping hands",
                    "hand clapping", "clapping by two open hands"],
    "drum": ["snare drum", "bongo", "conga", "tom-tom", "djembe", "drum"],
    "is_struck": ["is hit with a stick", "gets whacked by a stick", "is played with a drumstick",
                  "is thumped with a stick", "is knocked with a stick"],
    "being_struck": ["being hit with a stick", "getting whacked by a stick", "being played with a drumstick",
                     "being thumped with a stick"],
    "stick_hits": ["a stick hits", "a drumstick strikes", "a player whacks", "a stick thumps", "a drumstick knocks on"],
    "vessel": ["wine glass", "water glass", "glass jar", "glass bottle", "goblet", "beaker", "glass"],
    "breaks": ["shatters", "breaks", "bursts into shards", "cracks and splinters", "splinters into bits",
               "slips from a hand and breaks", "tips off a table and shatters", "is dropped and breaks"],
    "breaking": ["shattering", "breaking", "bursting into shards", "cracking apart", "splintering into bits"],
    "where_broken": ["", "", " on the tiles", " on a stone floor", " on the kitchen tiles"],
    "storm_clause": ["lightning strikes and thunder follows", "thunder roars after a flash of lightning",
                     "the sky lights up and thunder rolls", "lightning cracks across the sky and thunder growls",
                     "a storm flashes and rumbles"],
    "storm_phrase": ["thunder and lightning", "a lightning storm", "a crackling storm",
                     "a flash of lightning with thunder after it", "a burst of lightning and thunder"],
    "face": ["cartoon character", "smiling face", "cartoon person", "drawn head", "talking head", "face"],
    "talks": ["talks", "speaks", "says something", "tells a story", "mutters", "gives a speech", "utters words"],
    "talking": ["talking", "speaking", "telling a story", "muttering", "giving a speech"],
    "keys": ["piano", "organ", "keyboard", "toy piano", "musical keyboard", "digital piano"],
    "plays": ["plays a melody", "plays notes", "plays a catchy tune", "plays a short phrase", "runs up and down a scale"],
    "key_lights": ["lights up", "glows", "flashes", "turns"],
    "rain": ["rain", "raindrops", "rainwater", "drops of rain"],
    "raining_on": ["splashing onto", "rattling on", "hammering on", "spattering", "sprinkling onto", "dripping onto"],
}

# Framings that say nothing about the scene: around a clause, or around a noun phrase.
CLAUSE_FRAMES = ["{}", "{}", "in this clip, {}", "here, {}", "on screen, {}", "in the scene, {}",
                 "the video records how {}"]
PHRASE_FRAMES = ["{}", "{}", "footage of {}", "a scene with {}", "the camera catches {}", "a short video: {}",
                 "a rendering of {}"]

# family -> (clause templates, noun-phrase templates). A slot named in WIDE_W takes this
# grammar's word; every other slot is the main grammar's (caption()'s attribute slots).
WIDE_TEMPLATES = {
    "ball": (["{count} {size} {colour} {material} {ball} {bounces}",
              "{count} {ball} of {colour} {material}, {size}, {bounces}"],
             ["{count} {size} {colour} {ball}, made of {material}, {bouncing}",
              "{count} {ball} in {colour}, {size}, made of {material}, {bouncing}",
              "{count} {size}, {colour} {material} {ball} {bouncing}"]),
    "clap": (["{clap_clause} {tempo}", "{tempo}, {clap_clause}"],
             ["{clap_phrase} going {tempo}"]),
    "drum": (["a {size} {colour} {drum} {is_struck} {tempo}", "{stick_hits} a {size} {colour} {drum} {tempo}"],
             ["a {colour} {drum}, {size}, {being_struck} {tempo}"]),
    "glass": (["a {tint} {vessel} {breaks}{where_broken}", "without warning a {tint} {vessel} {breaks}"],
              ["a {tint} {vessel} {breaking}{where_broken}"]),
    "storm": (["{storm_clause} {distance}"], ["{storm_phrase} {distance}", "a night sky with {storm_phrase} {distance}"]),
    "face": (["a {face} {talks} in a {voice} voice", "in a {voice} voice, a {face} {talks}",
              "a {face} with a {voice} voice {talks}"],
             ["a {face} {talking} with a {voice} voice"]),
    "keyboard": (["a {keys} {plays} while each key {key_lights} {light}",
                  "each key of a {keys} {key_lights} {light} as it {plays}"],
                 ["a {keys} which {plays}, every key glowing {light} when played"]),
    "rain": ([], ["{intensity} {rain} {raining_on} {surface}", "{intensity} {rain} {raining_on} {surface}, wetting it"]),
}
# Rain over another family's scene, after its clause or phrase.
WIDE_RAIN_OVERLAY = ["amid {intensity} {rain} {raining_on} {surface}", "during {intensity} {rain} on {surface}",
                     "with {intensity} {rain} {raining_on} {surface} all the while"]


def _plural(noun_phrase: str) -> str:
    return noun_phrase + "s"  # every ball word above ends in its noun


def _bare(verb_phrase: str) -> str:
    """'bounces along' -> 'bounce along': the verb for two subjects."""
    return re.sub(r"^(\S+?)s\b", r"\1", verb_phrase)


def wide_caption(scene: dict, slots: dict, rng) -> str:
    """A caption of `scene` in this grammar. `slots` are the main grammar's attribute words for
    it (caption()'s), already drawn; this grammar's own words are drawn from `rng`."""
    fam = scene["family"]
    words = {k: str(rng.choice(v)) for k, v in WIDE_W.items()}
    if fam == "ball" and scene["count"] > 1:
        words["ball"] = _plural(words["ball"])
        words["bounces"] = _bare(words["bounces"])
    clauses, phrases = WIDE_TEMPLATES[fam]
    shapes = [(t, CLAUSE_FRAMES) for t in clauses] + [(t, PHRASE_FRAMES) for t in phrases]
    template, frames = shapes[int(rng.integers(len(shapes)))]
    both = {**slots, **words}
    text = str(rng.choice(frames)).format(_fill(template, both))
    rain = scene.get("rain")
    if rain and fam != "rain":
        text += " " + _fill(str(rng.choice(WIDE_RAIN_OVERLAY)), both)
    return with_articles(text)  # across the framing's and the clause's seam
