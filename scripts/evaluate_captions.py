"""The evaluation (models/evaluation/evaluate.py) with other captions for the same scenes.

    python scripts/evaluate_captions.py --grammar-from OLD_CAPTIONS_PY  [evaluate's arguments]
    python scripts/evaluate_captions.py --mix words|templates           [evaluate's arguments]

--grammar-from: the caption words and templates of another version of models/world/captions.py,
e.g. `git show 979c44c:models/world/captions.py > /tmp/captions_s1to6.py` — the narrow grammar
that sessions 1-6 trained on, so a later model is measured on exactly their in-grammar prompts.
--mix: which half of a paraphrase hurts — `words` puts held-out words into training templates,
`templates` training words into held-out templates (always evaluated as --split heldout).
Scenes, seeds and the sampler are evaluate's; only the caption text changes."""
from __future__ import annotations

import argparse
import importlib.util
import sys

from talkie.models.evaluation.evaluate import main as evaluate_main
from talkie.models.world import captions


def load_grammar(path: str):
    spec = importlib.util.spec_from_file_location("talkie_other_captions", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"--grammar-from: cannot load {path!r} as a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.W, module.TEMPLATES, module.RAIN_OVERLAY


def mixed_grammar(mix: str):
    """Held-out side rebuilt from one side of each: words or templates from training."""
    W, T, R = captions.W, captions.TEMPLATES, captions.RAIN_OVERLAY
    if mix == "words":
        return W, {k: (v[0], v[0]) for k, v in T.items()}, (R[0], R[0])
    return {k: (v[0], v[0]) for k, v in W.items()}, T, R


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--grammar-from", metavar="CAPTIONS_PY")
    which.add_argument("--mix", choices=("words", "templates"))
    a, rest = p.parse_known_args(argv)
    if a.mix and any(arg == "--split" or arg.startswith("--split=") for arg in rest):
        p.error("--mix always evaluates the held-out split; leave --split out")
    grammar = load_grammar(a.grammar_from) if a.grammar_from else mixed_grammar(a.mix)
    # caption() reads these module globals at call time, so the scenes stay as they are
    captions.W, captions.TEMPLATES, captions.RAIN_OVERLAY = grammar
    return evaluate_main(rest + (["--split", "heldout"] if a.mix else []))


if __name__ == "__main__":
    sys.exit(main())
