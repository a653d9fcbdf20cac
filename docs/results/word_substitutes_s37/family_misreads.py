"""Every paraphrased scene the shipped model draws as another family (the family detector's
reading), on the reported seeds (0-19) and the validation seeds (200-219):
    python docs/results/word_substitutes_s37/family_misreads.py"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
READINGS = {"reported (0-19)": "../tints_and_rain_s31/test_all_heldout.json",
            "validation (200-219)": "../sync_protected_pitch_s33/val_paraphrases/shipped_all_heldout.json"}
for name, path in READINGS.items():
    clips = json.load(open(os.path.join(HERE, path)))["clips"]
    wrong = [c for c in clips if c["family_detected"] != c["family"]]
    print(f"{name}: {len(wrong)} of {len(clips)} drawn as another family")
    for c in sorted(wrong, key=lambda c: (c["family"], c["seed"])):
        print(f"  {c['family']:5s} -> {str(c['family_detected']):8s} {c['caption']}")
