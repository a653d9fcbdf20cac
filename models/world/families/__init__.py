"""Scene families of the Foley world. Each module exposes `sample(rng) -> attrs` and
`render(attrs, rng, cfg, canvas, stems, events, layout)`; the registry below is the one
list of what exists."""
from . import ball, drum, glass, hands, keyboard, face, rain, storm

FAMILIES = {
    "ball": ball,
    "clap": hands,
    "drum": drum,
    "glass": glass,
    "rain": rain,
    "storm": storm,
    "face": face,
    "keyboard": keyboard,
}
# Families a rain overlay may be added to ("a ball bouncing in the rain").
RAIN_COMBINABLE = ("ball", "clap", "drum", "face", "keyboard")
