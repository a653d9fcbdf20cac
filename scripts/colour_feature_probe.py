"""Does a model take a ball's colour from the colour features or from MiniLM's reading of the word?

    python scripts/colour_feature_probe.py --checkpoint MODEL [--words yellow blue red purple]
        [--colours red yellow blue purple] [--seeds 4] [--json OUT] [--markdown OUT]

The prompt "a big {word} rubber ball bouncing on the floor" is encoded as usual, then the
colour features of the word's tokens (`models/colour_words.py`) are replaced by those of one
of the world's own colours, every MiniLM state left as it was. For each (word, colour) pair
`--seeds` clips are generated and the ball's colour is read by the evaluation's detector. A
model that reads the features paints the swapped colour; one that reads the word paints the
word's colour, whatever the features say. Pairs whose colour is the word's own measure plain
adherence. Training words only: this asks which of two inputs wins, not whether a new word
is understood (the evaluations with held-out captions ask that)."""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

import numpy as np
import torch

from talkie.models.av_model import TalkieModel
from talkie.models.colour_words import lab_features, srgb_to_lab
from talkie.models.evaluation.clipdata import ClipData
from talkie.models.evaluation.detectors import ball_colours
from talkie.models.pipeline import Generator
from talkie.models.text_encoder import MINILM_DIM, TextEmbedding, TextEncoder
from talkie.models.world.families.common import COLOURS

PROMPT = "a big {word} rubber ball bouncing on the floor"


class SwappedColourEncoder:
    """A TextEncoder whose colour-name tokens carry `colour`'s features (None: their own)."""

    def __init__(self, encoder: TextEncoder):
        self.encoder, self.colour = encoder, None

    def encode(self, texts) -> TextEmbedding:
        emb = self.encoder.encode(texts)
        if self.colour is None:
            return emb
        tokens = emb.tokens.clone()
        named = (tokens[..., MINILM_DIM:] != 0).any(-1)
        lab = srgb_to_lab(np.array(COLOURS[self.colour], float))
        tokens[..., MINILM_DIM:][named] = torch.from_numpy(lab_features(lab)).float()
        return TextEmbedding(tokens, emb.mask, emb.pooled)


def probe(checkpoint: str, words, colours, seeds: int) -> dict:
    torch.set_num_threads(1)
    text = SwappedColourEncoder(TextEncoder())
    gen = Generator(TalkieModel.load(checkpoint), text)
    rows = []
    for word in words:
        for colour in colours:
            text.colour = colour
            got = [ball_colours(ClipData.from_generated(gen.generate(PROMPT.format(word=word), seed=s)), 1)
                   for s in range(seeds)]
            rows.append({"word": word, "features": colour, "detected": got})
    swapped = [r for r in rows if r["features"] != r["word"]]
    own = [r for r in rows if r["features"] == r["word"]]
    share = lambda rs, key: float(np.mean([d == r[key] for r in rs for d in r["detected"]])) if rs else None  # noqa: E731
    return {"checkpoint": checkpoint, "prompt": PROMPT, "seeds": seeds, "rows": rows,
            "own_colour_right": share(own, "word"), "swapped_follow_features": share(swapped, "features"),
            "swapped_follow_word": share(swapped, "word")}


def markdown(res: dict) -> str:
    pct = lambda v: "–" if v is None else f"{100 * v:.0f} %"  # noqa: E731
    out = [f"Colour-feature probe of `{res['checkpoint']}`: \"{res['prompt']}\", the word's colour features "
           f"swapped for a world colour's; {res['seeds']} seeds per pair, the ball's colour as detected.", "",
           "| word | features of | detected |", "|---|---|---|"]
    for r in res["rows"]:
        counts = ", ".join(f"{k} {v}" for k, v in Counter(str(d) for d in r["detected"]).most_common())
        out.append(f"| {r['word']} | {r['features']} | {counts} |")
    out += ["", f"Own features: the word's colour in {pct(res['own_colour_right'])} of clips. "
            f"Swapped features: the features' colour in {pct(res['swapped_follow_features'])}, "
            f"the word's colour in {pct(res['swapped_follow_word'])}."]
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--words", nargs="+", default=["yellow", "blue", "red", "purple"])
    ap.add_argument("--colours", nargs="+", default=["red", "yellow", "blue", "purple"])
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    args = ap.parse_args(argv)
    unknown = [c for c in args.colours if c not in COLOURS]
    if unknown:
        ap.error(f"--colours: {unknown} are not world colours ({', '.join(COLOURS)})")
    res = probe(args.checkpoint, args.words, args.colours, args.seeds)
    md = markdown(res)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(md)
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
