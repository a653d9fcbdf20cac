"""Muxing benchmark: libx264 settings compared on speed, fidelity, size and repeatability.

    python scripts/benchmark_mux.py [--clips 6] [--repeats 3] [--markdown docs/results/mux.md]

For each setting, 4 s Foley-world clips (64x64, 24 fps, scaled to 256x256 by the muxer as
`talkie generate` does) are written with `write_av_mp4`:
- mux time: median over clips x repeats;
- PSNR of the decoded MP4 against the same frames scaled bicubic by torch (the muxer's
  scaling and H.264 together), and the mean file size;
- repeatability: each clip is muxed at 64x64, then muxed again after a different clip; a
  re-mux counts as changed when its H.264 stream differs from the first.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import torch

from talkie.models.media import REPEATABLE_X264_PARAMS, read_av_mp4, write_av_mp4
from talkie.models.world import render_clip

SIZE = 256
SETTINGS = [("veryfast", REPEATABLE_X264_PARAMS, "shipped"), ("veryfast", "", "libx264 defaults"),
            ("medium", "", "libx264 defaults")]


def video_stream_bytes(path: Path) -> bytes:
    with av.open(str(path)) as c:
        return b"".join(bytes(p) for p in c.demux(c.streams.video[0]) if p.size)


def psnr(decoded: np.ndarray, frames: np.ndarray) -> float:
    ref = torch.nn.functional.interpolate(torch.from_numpy(frames).permute(0, 3, 1, 2).float(), size=(SIZE, SIZE),
                                          mode="bicubic", align_corners=False).clamp(0, 255).round()
    mse = np.mean((decoded.astype(np.float64) - ref.permute(0, 2, 3, 1).numpy()) ** 2)
    return float(10 * np.log10(255.0 ** 2 / max(mse, 1e-12)))


def changed_remuxes(clips, sr: int, preset: str, params: str, tmp: Path) -> int:
    changed = 0
    for i, (frames, audio) in enumerate(clips):
        write_av_mp4(tmp / "a.mp4", frames, audio, 24, sr, preset=preset, x264_params=params)
        first = video_stream_bytes(tmp / "a.mp4")
        other_frames, other_audio = clips[(i + 1) % len(clips)]
        write_av_mp4(tmp / "b.mp4", other_frames, other_audio, 24, sr, preset=preset, x264_params=params)
        write_av_mp4(tmp / "a.mp4", frames, audio, 24, sr, preset=preset, x264_params=params)
        changed += video_stream_bytes(tmp / "a.mp4") != first
    return changed


def measure(n_clips: int, repeats: int) -> list[dict]:
    foley = []
    for seed in range(n_clips):
        clip = render_clip(7000 + seed)
        foley.append((clip.frames, clip.mix[None]))
    sr = 16000
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for preset, params, label in SETTINGS:
            times, psnrs, sizes = [], [], []
            for rep in range(repeats):
                for frames, audio in foley:
                    out = tmp / "clip.mp4"
                    t0 = time.perf_counter()
                    write_av_mp4(out, frames, audio, 24, sr, size=(SIZE, SIZE), preset=preset, x264_params=params)
                    times.append(time.perf_counter() - t0)
                    if rep == 0:
                        psnrs.append(psnr(read_av_mp4(out)["frames"], frames))
                        sizes.append(out.stat().st_size)
            rows.append({"preset": preset, "x264_params": params or "(none)", "label": label,
                         "mux_median_s": statistics.median(times), "psnr_db": float(np.mean(psnrs)),
                         "size_kb": float(np.mean(sizes)) / 1024,
                         "changed": changed_remuxes(foley, sr, preset, params, tmp), "clips": len(foley)})
            print(rows[-1], flush=True)
    return rows


def markdown(rows) -> str:
    lines = ["| preset | x264 params | | mux 4 s → 256×256 (median) | PSNR | file | re-muxes that changed |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['preset']} | `{r['x264_params']}` | {r['label']} | {r['mux_median_s']:.3f} s | "
                     f"{r['psnr_db']:.2f} dB | {r['size_kb']:.1f} kB | {r['changed']} of {r['clips']} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--markdown", default=None)
    args = ap.parse_args()
    table = markdown(measure(args.clips, args.repeats))
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
