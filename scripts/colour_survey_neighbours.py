"""What the colour survey says each caption colour word looks like, before any Talkie training.

    python scripts/colour_survey_neighbours.py [--json OUT] [--markdown OUT]

The joint model reads a colour name's CIELAB coordinates (`models/colour_words.py`, from the
xkcd survey) beside MiniLM's token state. For every colour word of the caption grammar, held
out and training alike: is it a survey name at all, and which of the world's colours is
nearest the colour people gave it? Where that is the word's own colour, the perceptual
feature points the model the right way; where it is not ("sky-blue" is pale enough to sit
nearest the world's white), the feature cannot help, whatever the model learns. Compare
`scripts/paraphrase_neighbours.py`: the same question asked of MiniLM."""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from talkie.models.colour_words import colour_spans
from talkie.models.world.captions import SPLITS, W
from talkie.models.world.colour_names import world_colour_distances
from talkie.models.world.families.common import COLOURS


def survey_colour(word: str) -> str | None:
    """The world colour nearest the survey's colour for `word`, or None if the whole word
    is not one survey name."""
    spans = colour_spans(word)
    if len(spans) != 1 or spans[0][:2] != (0, len(word)):
        return None
    return list(COLOURS)[int(np.argmin(world_colour_distances(spans[0][2])))]


def neighbours() -> dict:
    out = {}
    for split in SPLITS:
        rows = [{"word": w, "colour": c, "survey": survey_colour(w)} for c in COLOURS for w in W[c][SPLITS.index(split)]]
        out[split] = {"words": rows, "named": sum(r["survey"] is not None for r in rows),
                      "right": sum(r["survey"] == r["colour"] for r in rows), "total": len(rows)}
    return out


def markdown(result: dict) -> str:
    lines = ["| words | in the survey | nearest their own colour | wrong (word → nearest) | not a survey name |",
             "|---|---|---|---|---|"]
    for split, r in result.items():
        wrong = [f"{x['word']} → {x['survey']}" for x in r["words"] if x["survey"] not in (None, x["colour"])]
        missing = [x["word"] for x in r["words"] if x["survey"] is None]
        lines.append(f"| {split} | {r['named']}/{r['total']} | {r['right']}/{r['total']} | {', '.join(wrong) or '–'} "
                     f"| {', '.join(missing) or '–'} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json")
    p.add_argument("--markdown")
    args = p.parse_args(argv)
    result = neighbours()
    md = markdown(result)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(md)
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
