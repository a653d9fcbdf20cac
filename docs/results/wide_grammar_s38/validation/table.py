"""The validation-seed reading (200+, 20 paraphrased scenes a family) of the shipped model,
session 37's candidate (word substitutes), session 38's (the wider grammar) and its control
(the same run without it), each pooled
over its evaluations: F1 per family, the scenes drawn as their own family, and, where read
(wide_captions_read.py), the wider-grammar captions of the same scenes drawn as their own family.
    python docs/results/wide_grammar_s38/validation/table.py"""
import collections
import glob
import json
import os

from talkie.models.evaluation.aggregate import aggregate

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.dirname(os.path.dirname(HERE))
FAMILY_F1 = ("ball", "clap", "drum", "face", "glass", "keyboard")
# name -> (evaluation JSONs, wider-grammar reads or None)
MODELS = {
    "shipped (session 31)": (["sync_protected_pitch_s33/val_paraphrases/shipped_all_heldout.json"],
                             "wide_grammar_s38/wide_shipped_*.jsonl"),
    "word substitutes 0.25 (session 37)": (["word_substitutes_s37/validation/subs_ball.json",
                                            "word_substitutes_s37/validation/subs_rest.json"], None),
    "wider grammar 0.5 (session 38)": (["wide_grammar_s38/validation/wide_ball.json",
                                        "wide_grammar_s38/validation/wide_rest.json"],
                                       "wide_grammar_s38/wide_candidate_*.jsonl"),
    "its control, no wider grammar (session 38)": (["wide_grammar_s38/validation/plain_ball.json",
                                                    "wide_grammar_s38/validation/plain_rest.json"],
                                                   "wide_grammar_s38/wide_control_*.jsonl"),
}


def drawn_as_their_family(clips) -> str:
    right = collections.Counter(c["family"] for c in clips if c["family_detected"] == c["family"])
    per_family = ", ".join(f"{f} {right[f]}" for f in sorted(right))
    return f"{sum(right.values())} of {len(clips)} ({per_family})"


def cells(evaluations, wide_reads) -> list[str]:
    clips = [c for p in evaluations for c in json.load(open(os.path.join(RESULTS, p)))["clips"]]
    overall = aggregate(clips)
    reads = [json.loads(line) for p in sorted(glob.glob(os.path.join(RESULTS, wide_reads or "-"))) for line in open(p)]
    return [f"{overall['overall']['sync']['f1']:.3f}", f"{100 * overall['overall']['attribute_adherence']:.1f} %",
            *(f"{overall['families'][f]['sync']['f1']:.3f}" for f in FAMILY_F1),
            f"{overall['overall']['lipsync_lag_ms']:.1f} ms", drawn_as_their_family(clips),
            drawn_as_their_family(reads) if reads else "-"]


print("| validation (200+, paraphrases) | all-family F1 | adherence | " + " | ".join(FAMILY_F1)
      + " | lip-sync | paraphrases drawn as their family | wider-grammar captions drawn as their family |")
print("|---" * (len(FAMILY_F1) + 6) + "|")
for name, (evaluations, wide_reads) in MODELS.items():
    print("| " + " | ".join([name, *cells(evaluations, wide_reads)]) + " |")
