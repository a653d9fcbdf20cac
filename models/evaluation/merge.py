"""Join evaluations of the same checkpoint and settings on adjacent seed ranges into one.

    python -m talkie.models.evaluation.merge A.json B.json [...] --out ALL.json [--markdown ALL.md]

Evaluating 10 scenes per family in each of two processes (seeds 0..9 and 10..19) uses both
cores of a small machine and gives the same numbers as one run over 20 scenes: the clips are
pooled and aggregated again, exactly as a single run aggregates them. `--families ball` keeps
only those families' clips from each part, so a full evaluation on seeds 0..19 joins
ball-only ones on seeds 20..59 into one 60-scene reading of the ball."""
from __future__ import annotations

import argparse
import json

from .aggregate import aggregate, markdown

# config keys that may differ between the parts; everything else must match
_PER_PART = ("seed_start", "clips_per_family", "threads")


def only_families(result: dict, families: list[str]) -> dict:
    """`result` reduced to the clips of `families` (each of which it must have evaluated)."""
    missing = sorted(set(families) - set(result["config"]["families"]))
    if missing:
        raise ValueError(f"an evaluation of {result['config']['families']} has no {missing}")
    return dict(result, config=dict(result["config"], families=list(families)),
                clips=[c for c in result["clips"] if c["family"] in families])


def merge(results: list[dict], families: list[str] | None = None) -> dict:
    if len(results) < 2:
        raise ValueError("merge needs at least two evaluations")
    if families:
        results = [only_families(r, families) for r in results]
    first = results[0]["config"]
    for r in results[1:]:
        diff = sorted(k for k in set(first) | set(r["config"])
                      if k not in _PER_PART and first.get(k) != r["config"].get(k))
        if diff:
            raise ValueError(f"evaluations differ in {diff}; only seed ranges may differ")
    parts = sorted(results, key=lambda r: r["config"]["seed_start"])
    for a, b in zip(parts, parts[1:]):
        end = a["config"]["seed_start"] + a["config"]["clips_per_family"]
        if b["config"]["seed_start"] != end:
            raise ValueError(f"seed ranges must be adjacent: one ends at {end - 1}, the next starts at "
                             f"{b['config']['seed_start']}")
    order = {f: i for i, f in enumerate(first["families"])}
    # the order a single run over all the seeds would have produced (family, then seed)
    records = sorted((c for r in parts for c in r["clips"]), key=lambda c: (order.get(c["family"], 0), c["seed"]))
    out = aggregate(records)
    out["config"] = dict(first, seed_start=parts[0]["config"]["seed_start"],
                         clips_per_family=sum(r["config"]["clips_per_family"] for r in parts))
    if len({r["config"].get("threads") for r in parts}) > 1:
        out["config"].pop("threads", None)
    out["clips"] = records
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m talkie.models.evaluation.merge", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("parts", nargs="+", help="evaluation JSONs (evaluate --out)")
    p.add_argument("--out", required=True)
    p.add_argument("--markdown", default=None)
    p.add_argument("--families", nargs="+", default=None,
                   help="keep only these families' clips from each part (parts may have evaluated more)")
    a = p.parse_args(argv)
    parts = []
    for path in a.parts:
        with open(path) as f:
            parts.append(json.load(f))
    try:
        result = merge(parts, a.families)
    except ValueError as e:
        p.error(str(e))
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
