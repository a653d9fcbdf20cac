"""Look at the Foley world: a contact sheet of every family and one MP4 (with sound) each.

    python -m talkie.models.world.look --out DIR [--seed N] [--seconds 4] [--frames 8]

Writes DIR/contact_sheet.png (one row per family: frames across time, the caption under
the row) and DIR/<family>.mp4 (upscaled x4, nearest neighbour, so pixels stay pixels).
Seeds below 1,000,000 are never used for training, so the default seed shows a scene the
model has not been trained on."""
from __future__ import annotations

import argparse
import os

import numpy as np

from ..config import AVConfig
from ..media import write_av_mp4
from . import FAMILIES, render_clip

UPSCALE = 4
SHEET_NAME = "contact_sheet.png"


def render_families(seed: int, cfg: AVConfig, rain: bool | None = False) -> dict:
    """family -> Clip, all from the same seed (rain off by default: one thing at a time)."""
    return {fam: render_clip(seed, cfg, family=fam, rain=rain) for fam in FAMILIES}


def contact_sheet(clips: dict, n_frames: int = 8, scale: int = 2):
    """A PIL image: per family, `n_frames` frames evenly spread in time, scaled x`scale`
    (nearest), with the family name and times above and the caption below."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    any_clip = next(iter(clips.values()))
    t, h, w = any_clip.frames.shape[:3]
    fh, fw, pad, label_h, cap_h = h * scale, w * scale, 4, 14, 16
    row_h = label_h + fh + cap_h + pad
    sheet = Image.new("RGB", (pad + n_frames * (fw + pad), pad + len(clips) * row_h), (16, 16, 20))
    draw = ImageDraw.Draw(sheet)
    picks = np.linspace(0, t - 1, n_frames).round().astype(int)
    for r, (fam, clip) in enumerate(clips.items()):
        y0 = pad + r * row_h
        draw.text((pad, y0), fam, fill=(240, 200, 120), font=font)
        for c, k in enumerate(picks):
            x0 = pad + c * (fw + pad)
            img = Image.fromarray(clip.frames[k]).resize((fw, fh), Image.NEAREST)
            sheet.paste(img, (x0, y0 + label_h))
            if c:  # frame index above each frame (the family name sits above the first)
                draw.text((x0, y0), f"#{k}", fill=(140, 140, 150), font=font)
        draw.text((pad, y0 + label_h + fh + 2), _fit(clip.caption, draw, font, sheet.width - 2 * pad),
                  fill=(220, 220, 225), font=font)
    return sheet


def _fit(text: str, draw, font, width: int) -> str:
    """`text`, shortened with an ellipsis until it fits `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "...", font=font) > width:
        text = text[:-1]
    return text + "..."


def write_family_videos(clips: dict, cfg: AVConfig, out_dir: str, upscale: int = UPSCALE) -> list[str]:
    paths = []
    for fam, clip in clips.items():
        frames = clip.frames.repeat(upscale, axis=1).repeat(upscale, axis=2)
        path = os.path.join(out_dir, f"{fam}.mp4")
        write_av_mp4(path, frames, clip.mix, cfg.fps, cfg.sample_rate,
                     metadata={"caption": clip.caption, "audio_caption": clip.audio_caption})
        paths.append(path)
    return paths


def look(out_dir: str, seed: int = 0, seconds: float = 4.0, n_frames: int = 8, videos: bool = True,
         cfg: AVConfig | None = None) -> dict:
    """Render every family and write the sheet (and videos); returns the written paths."""
    cfg = (cfg or AVConfig()).with_seconds(seconds)
    os.makedirs(out_dir, exist_ok=True)
    clips = render_families(seed, cfg)
    sheet_path = os.path.join(out_dir, SHEET_NAME)
    contact_sheet(clips, n_frames).save(sheet_path, optimize=True)
    return {"sheet": sheet_path, "videos": write_family_videos(clips, cfg, out_dir) if videos else []}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m talkie.models.world.look",
                                 description="Contact sheet and per-family MP4s of the Foley world.")
    ap.add_argument("--out", required=True, help="output folder (created if missing)")
    ap.add_argument("--seed", type=int, default=0, help="scene seed (< 1,000,000: never used for training)")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--frames", type=int, default=8, help="frames per row of the contact sheet")
    ap.add_argument("--no-videos", action="store_true", help="only the contact sheet")
    args = ap.parse_args(argv)
    if not (0 < args.seconds <= 60):
        ap.error("--seconds must be in (0, 60]")
    if not (1 <= args.frames <= 32):
        ap.error("--frames must be in 1..32")
    paths = look(args.out, args.seed, args.seconds, args.frames, videos=not args.no_videos)
    for p in [paths["sheet"], *paths["videos"]]:
        print(p)


if __name__ == "__main__":
    main()
