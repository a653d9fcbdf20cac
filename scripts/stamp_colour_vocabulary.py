"""Record the Foley world's trained colour vocabulary in a Talkie checkpoint made before
training recorded it (session 11), so `colour_grounding` works for it. Tensors are kept as
stored; only the metadata gains the vocabulary.

    python scripts/stamp_colour_vocabulary.py checkpoints/talkie-s.safetensors
"""
from __future__ import annotations

import argparse

from talkie.models.checkpoint import load_checkpoint, save_checkpoint
from talkie.models.colour_grounding import COLOUR_VOCABULARY_KEY
from talkie.models.world.colour_names import trained_colour_vocabulary


def stamp(path: str) -> dict:
    tensors, meta = load_checkpoint(path)
    if meta.get("format") is None:
        raise SystemExit(f"{path}: not a Talkie model checkpoint")
    meta[COLOUR_VOCABULARY_KEY] = trained_colour_vocabulary().to_meta()
    save_checkpoint(path, tensors, meta)
    return meta[COLOUR_VOCABULARY_KEY]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="+")
    for path in ap.parse_args(argv).checkpoints:
        vocabulary = stamp(path)
        print(f"{path}: {len(vocabulary['colours'])} colour names, other words {vocabulary['other_words']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
