"""Print the caption-word tables of docs/WORLD.md from `talkie.models.world.captions`.

    python scripts/world_doc_tables.py > /tmp/tables.md

The doc's tables are this script's output pasted in; rerun it when the grammar changes."""
from __future__ import annotations

from talkie.models.world.captions import AUDIO_WORDS, RAIN_OVERLAY, TEMPLATES, W

# Which family each attribute value belongs to (the doc groups the tables this way).
GROUPS = {
    "colours": ["red", "green", "blue", "yellow", "orange", "purple", "white", "clear"],
    "ball": ["ball", "bounce", "rubber", "metal", "glass", "wood", "small", "large"],
    "tempo (clap, drum)": ["slow", "medium", "fast", "clap", "drum", "struck", "big"],
    "glass": ["shatter"],
    "storm": ["storm", "near", "distant"],
    "face": ["face", "talk", "low", "high"],
    "keyboard": ["keyboard", "melody", "lights"],
    "rain": ["rain", "light", "moderate", "heavy", "surface_metal", "surface_glass", "surface_asphalt"],
}


def main() -> None:
    listed = {k for keys in GROUPS.values() for k in keys}
    missing = sorted(set(W) - listed)
    if missing:
        GROUPS["other"] = missing
    for group, keys in GROUPS.items():
        print(f"\n**{group}**\n")
        print("| value | train words | held-out words |")
        print("|---|---|---|")
        for k in keys:
            train, held = W[k]
            print(f"| `{k}` | {', '.join(train)} | {', '.join(held)} |")
    print("\n**templates** (train / held-out)\n")
    print("| family | train | held-out |")
    print("|---|---|---|")
    for fam, (train, held) in TEMPLATES.items():
        print(f"| {fam} | {'<br>'.join(f'`{t}`' for t in train)} | {'<br>'.join(f'`{t}`' for t in held)} |")
    train, held = RAIN_OVERLAY
    print(f"| rain overlay | {'<br>'.join(f'`{t}`' for t in train)} | {'<br>'.join(f'`{t}`' for t in held)} |")
    print("\n**audio captions** (no split)\n")
    print("| key | words |")
    print("|---|---|")
    for k, v in AUDIO_WORDS.items():
        print(f"| `{k}` | {v} |")


if __name__ == "__main__":
    main()
