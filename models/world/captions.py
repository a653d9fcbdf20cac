"""Caption grammar of the Foley world.

Every attribute value has synonyms in two disjoint sets: `train` words are the only ones
the model ever sees; `heldout` words (and templates) are kept for measuring how well
free-text paraphrases work. A caption is built from a family template, a word order and
synonyms drawn from one split."""
from __future__ import annotations

import re

W = {  # attribute value -> (train synonyms, heldout synonyms)
    "red": (["red", "crimson", "ruby", "rose-red", "bright red", "brick-red"], ["scarlet", "cherry-red"]),
    "green": (["green", "emerald", "jade", "forest-green", "mint-green", "bright green"], ["lime-green", "grass-green"]),
    "blue": (["blue", "azure", "navy", "sapphire", "royal blue", "deep blue"], ["cobalt", "sky-blue"]),
    "yellow": (["yellow", "golden", "mustard-yellow", "sunny yellow", "butter-yellow", "bright yellow"],
               ["lemon-yellow", "canary-yellow"]),
    "orange": (["orange", "tangerine", "apricot", "carrot-orange", "bright orange", "carrot-coloured"],
               ["amber", "pumpkin-coloured"]),
    "purple": (["purple", "violet", "mauve", "lavender", "deep purple", "grape-coloured"], ["lilac", "plum-coloured"]),
    "white": (["white", "snow-white", "milky white", "chalk-white", "pure white", "bright white"], ["ivory", "pale"]),
    "rubber": (["rubber", "bouncy rubber", "rubbery", "squishy rubber"], ["elastic", "latex"]),
    "metal": (["metal", "steel", "metallic", "aluminium", "tin"], ["iron", "chrome"]),
    "glass": (["glass", "glassy", "blown-glass", "hard glass"], ["crystal", "see-through glass"]),
    "wood": (["wooden", "wood", "hardwood", "pine", "maple"], ["timber", "oak"]),
    "small": (["small", "little", "compact", "smallish", "petite"], ["tiny", "mini"]),
    "large": (["large", "big", "oversized", "enormous", "hefty"], ["huge", "giant"]),
    "big": (["big", "large", "oversized", "enormous", "hefty"], ["huge", "massive"]),
    "ball": (["ball", "sphere", "round object", "spherical object"], ["orb", "globe"]),
    "bounce": (["bouncing", "hopping", "bouncing up and down", "jumping", "leaping", "bouncing around"],
               ["rebounding", "springing up and down"]),
    "slow": (["slowly", "at a slow pace", "lazily", "at a relaxed pace", "in a slow rhythm"],
             ["leisurely", "unhurriedly"]),
    "medium": (["steadily", "at a medium pace", "at a normal pace", "at a walking pace", "at a normal speed"],
               ["at a moderate tempo", "evenly"]),
    "fast": (["quickly", "fast", "rapidly", "speedily", "hurriedly", "at high speed", "in a fast rhythm"],
             ["briskly", "at a rapid clip"]),
    "clap": (["hands clapping", "a pair of hands clapping", "clapping hands", "a person clapping", "two hands clapping"],
             ["someone applauding", "palms clapping together"]),
    "drum": (["drum", "tom drum", "floor tom", "hand drum"], ["kettle drum", "tambour"]),
    "struck": (["struck by a stick", "hit with a drumstick", "played with a stick", "whacked with a stick",
                "hit by a drumstick"], ["beaten with a mallet", "tapped by a stick"]),
    "clear": (["clear", "transparent", "plain", "untinted"], ["colourless", "see-through"]),
    "shatter": (["falls and shatters", "drops and breaks", "breaks into shards", "topples and breaks",
                 "falls and breaks apart"], ["crashes to pieces", "smashes on the ground"]),
    "near": (["close by", "nearby", "up close", "close at hand", "just above"], ["right overhead", "very close"]),
    "distant": (["in the distance", "far away", "far off", "a long way off", "far in the distance"],
                ["miles away", "on the horizon"]),
    "storm": (["lightning flashes and thunder rumbles", "a lightning strike followed by thunder",
               "a flash of lightning then thunder", "lightning and a roll of thunder",
               "a lightning flash and a rumble of thunder"],
              ["a thunderstorm with a bright bolt", "a bolt of lightning and its thunderclap"]),
    "low": (["low", "deep", "deep-pitched", "low-pitched", "booming"], ["bass", "gravelly"]),
    "high": (["high", "high-pitched", "thin", "piping", "falsetto"], ["squeaky", "shrill"]),
    "face": (["cartoon face", "smiley face", "cartoon head", "drawn face", "happy face"], ["animated head", "emoji face"]),
    "talk": (["talking", "speaking", "saying words", "speaking aloud", "talking aloud"], ["chattering", "babbling"]),
    "keyboard": (["keyboard", "toy piano", "small piano", "piano keyboard", "keyboard instrument"],
                 ["synth keys", "electric piano"]),
    "melody": (["plays a melody", "plays a tune", "plays some notes", "plays a short melody", "picks out a tune"],
               ["plays a little song", "noodles a few notes"]),
    "lights": (["lights up", "glows", "flashes", "turns bright"], ["shines", "gleams"]),
    "light": (["light", "gentle", "faint", "sparse"], ["soft", "a drizzle of"]),
    "moderate": (["steady", "moderate", "medium", "normal"], ["constant", "regular"]),
    "heavy": (["heavy", "pouring", "intense", "driving", "lashing", "strong"], ["torrential", "a downpour of"]),
    "surface_metal": (["a tin roof", "a metal sheet", "a metal roof", "sheet metal", "a metal lid"],
                      ["corrugated iron", "a steel roof"]),
    "surface_glass": (["a window", "a glass pane", "a glass window", "a windowpane", "the glass"],
                      ["a skylight", "the windshield"]),
    "surface_asphalt": (["the asphalt", "the road", "the tarmac", "the blacktop", "a paved road"],
                        ["the pavement", "the street"]),
    "rain": (["rain", "raindrops", "falling rain", "rain drops"], ["rainfall", "showers"]),
}
COUNT = {1: "a", 2: "two"}
SPLITS = ("train", "heldout")

TEMPLATES = {  # family -> (train templates, heldout templates)
    "ball": (["{count} {size} {colour} {material} {ball} {bounce} on the floor",
              "{colour} {material} {ball}, {size}, {bounce}",
              "{bounce} {ball}: {size}, {colour}, made of {material}",
              "a video of {count} {size} {colour} {ball} made of {material}, {bounce}",
              "{count} {material} {ball}, {colour} and {size}, {bounce} across the floor",
              "{size} {colour} {ball} {bounce}; the material is {material}",
              "a clip showing {count} {colour} {ball} of {size} size, made of {material}, {bounce}"],
             ["on the ground, {count} {material} {ball} that is {colour} and {size} keeps {bounce}",
              "watch {count} {size} {colour} {ball} of {material} {bounce}"]),
    "clap": (["{clap} {tempo}", "{tempo}, {clap}", "a clip of {clap} {tempo}", "we see and hear {clap} {tempo}"],
             ["close-up of {clap}, {tempo}"]),
    "drum": (["a {size} {colour} {drum} {struck} {tempo}", "{struck} {tempo}: a {size} {colour} {drum}",
              "a {colour} {drum}, {size}, {struck} {tempo}", "{tempo}, a {size} {colour} {drum} is {struck}"],
             ["someone plays a {colour} {drum}, {size}, {struck} {tempo}"]),
    "glass": (["a {tint} glass {shatter}", "a {tint} drinking glass {shatter} on the floor",
               "a {tint} glass cup {shatter}", "on a kitchen floor a {tint} glass {shatter}"],
              ["oops: a {tint} tumbler {shatter}"]),
    "storm": (["{storm} {distance}", "at night, {storm} {distance}", "a dark sky: {storm} {distance}",
               "a storm {distance}: {storm}"], ["{distance}, {storm}"]),
    "face": (["a {face} {talk} in a {voice} voice", "{talk} {face} with a {voice} voice",
              "a {face} with a {voice} voice, {talk}", "{face} {talk}, {voice} voice"],
             ["a {voice}-voiced {face} keeps {talk}"]),
    "keyboard": (["a {keyboard} {melody}, each key {lights} {light}", "{light} keys {lights} as a {keyboard} {melody}",
                  "a {keyboard} {melody} and every note {lights} {light}",
                  "a person at a {keyboard}: it {melody}, keys {lights} {light}"],
                 ["notes on a {keyboard}; the pressed key {lights} {light}"]),
    "rain": (["{intensity} {rain} falling on {surface}", "{rain} on {surface}, {intensity}",
              "a view of {surface} in {intensity} {rain}", "{intensity} {rain} hitting {surface}",
              "{intensity} {rain} pattering on {surface}", "{intensity} {rain} beating down on {surface}"],
             ["{surface} under {intensity} {rain}"]),
}
# The rain verbs vary: a percussive verb in a rain clause ("pounding") must not read as the drum.
RAIN_OVERLAY = (["in the {intensity} {rain} on {surface}", "while {intensity} {rain} falls on {surface}",
                 "with {intensity} {rain} hitting {surface}", "as {intensity} {rain} beats down on {surface}",
                 "while {intensity} {rain} patters on {surface}", "with {intensity} {rain} pounding {surface}"],
                ["as {intensity} {rain} drums on {surface}"])

AUDIO_WORDS = {
    "rubber": "dull rubbery thuds", "metal": "metallic clangs", "glass": "glassy clinks", "wood": "wooden knocks",
    "clap": "hand claps", "drum": "drum beats", "shatter": "glass shattering", "storm": "rolling thunder",
    "face": "a {voice} voice speaking syllables", "keyboard": "piano notes", "rain": "rain pattering on {surface}",
}


def word(key: str, rng, split: str) -> str:
    return str(rng.choice(W[key][SPLITS.index(split)]))


def with_articles(text: str) -> str:
    """Say "an", not "a", before a vowel."""
    return re.sub(r"\ba (?=[aeiou])", "an ", text)


def _fill(template: str, slots: dict) -> str:
    return with_articles(" ".join(template.format(**slots).split()))


def template_words(text: str) -> list[str]:
    """The lower-case words a template or synonym says, its slot names left out."""
    return re.findall(r"[a-z]+", re.sub(r"\{[a-z_]+\}", " ", text.lower()))


def split_words(split: str, keys=None) -> set[str]:
    """The lower-case words one split of the grammar says: the synonyms of `keys` (default: of
    every key, and then the split's templates and rain clauses too), slot names left out."""
    i = SPLITS.index(split)
    out = {t for k, syn in W.items() if keys is None or k in keys for w in syn[i] for t in template_words(w)}
    if keys is None:
        out |= {t for fam in TEMPLATES.values() for tpl in fam[i] for t in template_words(tpl)}
        out |= {t for tpl in RAIN_OVERLAY[i] for t in template_words(tpl)}
    return out


def caption(scene: dict, rng, split: str = "train", colour_name_p: float = 0.0, substitute_p: float = 0.0,
            wide_p: float = 0.0) -> str:
    """`colour_name_p` (training only): chance that a colour slot takes a colour-survey name
    of that colour (`colour_names`) instead of a grammar word. `substitute_p` (training only):
    chance that each family or template word is said by a MiniLM neighbour (`word_substitutes`).
    `wide_p` (training only): chance that the whole caption is drawn from the wider grammar
    (`wide_captions`), its attribute words still this grammar's."""
    fam = scene["family"]

    def wd(k):
        if colour_name_p > 0 and split == "train":
            # imported here: the survey loads only when asked for, and this file also runs
            # on its own (`evaluate_captions --grammar-from`)
            from .colour_names import training_colour_names
            names = training_colour_names().get(k)
            if names and rng.random() < colour_name_p:
                return str(rng.choice(names))
        return word(k, rng, split)

    slots = {}
    if fam == "ball":
        cols = scene["colours"]
        slots = {"count": COUNT[scene["count"]], "size": wd(scene["size"]), "material": wd(scene["material"]),
                 "ball": wd("ball") + ("s" if scene["count"] > 1 else ""), "bounce": wd("bounce"),
                 "colour": " and ".join(wd(c) for c in cols)}
    elif fam == "clap":
        slots = {"clap": wd("clap"), "tempo": wd(scene["tempo"])}
    elif fam == "drum":
        slots = {"size": wd(scene["size"]), "colour": wd(scene["colour"]), "drum": wd("drum"), "struck": wd("struck"),
                 "tempo": wd(scene["tempo"])}
    elif fam == "glass":
        slots = {"tint": wd(scene["tint"]), "shatter": wd("shatter")}
    elif fam == "storm":
        slots = {"storm": wd("storm"), "distance": wd(scene["distance"])}
    elif fam == "face":
        slots = {"face": wd("face"), "talk": wd("talk"), "voice": wd(scene["voice"])}
    elif fam == "keyboard":
        slots = {"keyboard": wd("keyboard"), "melody": wd("melody"), "lights": wd("lights"), "light": wd(scene["light"])}
    rain = scene.get("rain")
    if rain:
        slots.update({"intensity": wd(rain["intensity"]), "rain": wd("rain"), "surface": wd("surface_" + rain["surface"])})
    if wide_p > 0 and split == "train" and rng.random() < wide_p:  # draws nothing when off
        from .wide_captions import wide_caption
        text = wide_caption(scene, slots, rng)
    else:
        text = _fill(str(rng.choice(TEMPLATES[fam][SPLITS.index(split)])), slots)
        if rain and fam != "rain":
            text += " " + _fill(str(rng.choice(RAIN_OVERLAY[SPLITS.index(split)])), slots)
    if substitute_p > 0 and split == "train":
        from .word_substitutes import substitute_words  # imported here, as colour_names is
        text = substitute_words(text, rng, substitute_p)
    return text


def audio_caption(scene: dict) -> str:
    """A plain description of what is heard, for the optional separate audio prompt."""
    fam = scene["family"]
    parts = []
    if fam == "ball":
        parts.append(AUDIO_WORDS[scene["material"]])
    elif fam == "glass":
        parts.append(AUDIO_WORDS["shatter"])
    elif fam == "face":
        parts.append(AUDIO_WORDS["face"].format(voice=scene["voice"]))
    elif fam in AUDIO_WORDS and fam != "rain":
        parts.append(AUDIO_WORDS[fam])
    rain = scene.get("rain")
    if rain:
        parts.append(f"{rain['intensity']} " + AUDIO_WORDS["rain"].format(surface=W["surface_" + rain["surface"]][0][0]))
    return " and ".join(parts)
