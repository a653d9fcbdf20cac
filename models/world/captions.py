"""Caption grammar of the Foley world.

Every attribute value has synonyms in two disjoint sets: `train` words are the only ones
the model ever sees; `heldout` words (and templates) are kept for measuring how well
free-text paraphrases work. A caption is built from a family template, a word order and
synonyms drawn from one split."""
from __future__ import annotations

import re

W = {  # attribute value -> (train synonyms, heldout synonyms)
    "red": (["red", "crimson"], ["scarlet", "cherry-red"]),
    "green": (["green", "emerald"], ["lime-green", "grass-green"]),
    "blue": (["blue", "azure"], ["cobalt", "sky-blue"]),
    "yellow": (["yellow", "golden"], ["lemon-yellow", "canary-yellow"]),
    "orange": (["orange", "tangerine"], ["amber", "pumpkin-coloured"]),
    "purple": (["purple", "violet"], ["lilac", "plum-coloured"]),
    "white": (["white", "snow-white"], ["ivory", "pale"]),
    "rubber": (["rubber", "bouncy rubber"], ["elastic", "latex"]),
    "metal": (["metal", "steel", "metallic"], ["iron", "chrome"]),
    "glass": (["glass", "glassy"], ["crystal", "see-through glass"]),
    "wood": (["wooden", "wood"], ["timber", "oak"]),
    "small": (["small", "little"], ["tiny", "mini"]),
    "large": (["large", "big"], ["huge", "giant"]),
    "big": (["big", "large"], ["huge", "massive"]),
    "ball": (["ball", "sphere"], ["orb", "globe"]),
    "bounce": (["bouncing", "hopping"], ["rebounding", "springing up and down"]),
    "slow": (["slowly", "at a slow pace"], ["leisurely", "unhurriedly"]),
    "medium": (["steadily", "at a medium pace"], ["at a moderate tempo", "evenly"]),
    "fast": (["quickly", "fast", "rapidly"], ["briskly", "at a rapid clip"]),
    "clap": (["hands clapping", "a pair of hands clapping"], ["someone applauding", "palms clapping together"]),
    "drum": (["drum", "tom drum"], ["kettle drum", "tambour"]),
    "struck": (["struck by a stick", "hit with a drumstick"], ["beaten with a mallet", "tapped by a stick"]),
    "clear": (["clear", "transparent"], ["colourless", "see-through"]),
    "shatter": (["falls and shatters", "drops and breaks"], ["crashes to pieces", "smashes on the ground"]),
    "near": (["close by", "nearby"], ["right overhead", "very close"]),
    "distant": (["in the distance", "far away"], ["miles away", "on the horizon"]),
    "storm": (["lightning flashes and thunder rumbles", "a lightning strike followed by thunder"],
              ["a thunderstorm with a bright bolt", "a bolt of lightning and its thunderclap"]),
    "low": (["low", "deep"], ["bass", "gravelly"]),
    "high": (["high", "high-pitched"], ["squeaky", "shrill"]),
    "face": (["cartoon face", "smiley face"], ["animated head", "emoji face"]),
    "talk": (["talking", "speaking"], ["chattering", "babbling"]),
    "keyboard": (["keyboard", "toy piano"], ["synth keys", "electric piano"]),
    "melody": (["plays a melody", "plays a tune"], ["plays a little song", "noodles a few notes"]),
    "lights": (["lights up", "glows"], ["shines", "gleams"]),
    "light": (["light", "gentle"], ["soft", "a drizzle of"]),
    "moderate": (["steady", "moderate"], ["constant", "regular"]),
    "heavy": (["heavy", "pouring"], ["torrential", "a downpour of"]),
    "surface_metal": (["a tin roof", "a metal sheet"], ["corrugated iron", "a steel roof"]),
    "surface_glass": (["a window", "a glass pane"], ["a skylight", "the windshield"]),
    "surface_asphalt": (["the asphalt", "the road"], ["the pavement", "the street"]),
    "rain": (["rain", "raindrops"], ["rainfall", "showers"]),
}
COUNT = {1: "a", 2: "two"}
SPLITS = ("train", "heldout")

TEMPLATES = {  # family -> (train templates, heldout templates)
    "ball": (["{count} {size} {colour} {material} {ball} {bounce} on the floor",
              "{colour} {material} {ball}, {size}, {bounce}",
              "{bounce} {ball}: {size}, {colour}, made of {material}"],
             ["on the ground, {count} {material} {ball} that is {colour} and {size} keeps {bounce}",
              "watch {count} {size} {colour} {ball} of {material} {bounce}"]),
    "clap": (["{clap} {tempo}", "{tempo}, {clap}"], ["close-up of {clap}, {tempo}"]),
    "drum": (["a {size} {colour} {drum} {struck} {tempo}", "{struck} {tempo}: a {size} {colour} {drum}"],
             ["someone plays a {colour} {drum}, {size}, {struck} {tempo}"]),
    "glass": (["a {tint} glass {shatter}", "a {tint} drinking glass {shatter} on the floor"],
              ["oops: a {tint} tumbler {shatter}"]),
    "storm": (["{storm} {distance}", "at night, {storm} {distance}"], ["{distance}, {storm}"]),
    "face": (["a {face} {talk} in a {voice} voice", "{talk} {face} with a {voice} voice"],
             ["a {voice}-voiced {face} keeps {talk}"]),
    "keyboard": (["a {keyboard} {melody}, each key {lights} {light}", "{light} keys {lights} as a {keyboard} {melody}"],
                 ["notes on a {keyboard}; the pressed key {lights} {light}"]),
    "rain": (["{intensity} {rain} falling on {surface}", "{rain} on {surface}, {intensity}"],
             ["{surface} under {intensity} {rain}"]),
}
RAIN_OVERLAY = (["in the {intensity} {rain} on {surface}", "while {intensity} {rain} falls on {surface}"],
                ["as {intensity} {rain} drums on {surface}"])

AUDIO_WORDS = {
    "rubber": "dull rubbery thuds", "metal": "metallic clangs", "glass": "glassy clinks", "wood": "wooden knocks",
    "clap": "hand claps", "drum": "drum beats", "shatter": "glass shattering", "storm": "rolling thunder",
    "face": "a {voice} voice speaking syllables", "keyboard": "piano notes", "rain": "rain pattering on {surface}",
}


def word(key: str, rng, split: str) -> str:
    return str(rng.choice(W[key][SPLITS.index(split)]))


def _fill(template: str, slots: dict) -> str:
    text = " ".join(template.format(**slots).split())
    return re.sub(r"\ba (?=[aeiou])", "an ", text)


def caption(scene: dict, rng, split: str = "train") -> str:
    fam = scene["family"]
    wd = lambda k: word(k, rng, split)  # noqa: E731
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
    text = _fill(str(rng.choice(TEMPLATES[fam][SPLITS.index(split)])), slots)
    if rain and fam != "rain":
        text += " " + _fill(str(rng.choice(RAIN_OVERLAY[SPLITS.index(split)])), slots)
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
