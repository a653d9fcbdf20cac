"""Talkie benchmarks (issue: "faster than real time on 2 cores").

    python scripts/benchmark.py headless [--lengths 4 8 16 60] [--repeats 3]
    python scripts/benchmark.py server   [--repeats 5]
    python scripts/benchmark.py all      --markdown BENCHMARKS.part.md

headless: for each clip length, prompt -> MP4 in a fresh process (so peak RSS is that
length's own): wall time per stage (text, sampling, decoding, muxing), real-time factor
(wall / clip seconds) and peak RSS. Clips longer than the model's window are made window
after window, or in one pass with block-local attention (`--long-clips windows "one pass"`
measures both). Frames stay at the model's size and the muxer scales them to 256x256, as
`talkie generate` does. Medians over --repeats runs.
server: the same 4 s job through a real ComfyUI server (POST /prompt, wait) and through
the headless CLI, alternating, in one run; reports both medians and their ratio."""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROMPT = "a red rubber ball bouncing on the floor"


def one_run(seconds: float, out: str, long_clips: str, precision: str, checkpoint: str | None) -> dict:
    """Runs in a child process: one clip, stage timings, peak RSS."""
    import torch

    from talkie.models.media import write_av_mp4
    from talkie.models.pipeline import Generator, SamplingSettings
    from talkie.models.precision import PRECISIONS

    torch.set_num_threads(int(os.environ.get("TALKIE_THREADS", "2")))
    t0 = time.perf_counter()
    gen = Generator.from_checkpoint(checkpoint)
    load = time.perf_counter() - t0
    timings: dict = {}
    t1 = time.perf_counter()
    # as `talkie generate` does: native frames, scaled to 256x256 by the muxer frame by frame
    settings = SamplingSettings(long_clips=long_clips, autocast=PRECISIONS[precision])
    clip = gen.generate(PROMPT, seconds=seconds, seed=1, timings=timings, settings=settings)
    t2 = time.perf_counter()
    write_av_mp4(out, clip.frames[0], clip.mix[0], clip.fps, clip.sample_rate, size=(256, 256))
    timings["muxing"] = time.perf_counter() - t2
    timings["total"] = time.perf_counter() - t1  # prompt -> MP4, model already loaded
    timings["load"] = load
    timings["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return timings


def headless(lengths, repeats, checkpoint=None, long_modes=("windows",), precision="auto") -> list[dict]:
    rows = []
    from talkie.models.av_model import TalkieModel
    from talkie.models.pipeline import default_checkpoint_path

    # clips inside the model's window are made the same way in every mode: one row for them
    window = TalkieModel.load(checkpoint or default_checkpoint_path()).av.seconds
    jobs = [(s, m) for s in lengths for m in (long_modes if s > window else long_modes[:1])]
    with tempfile.TemporaryDirectory() as tmp:
        for seconds, mode in jobs:
            runs = []
            for r in range(repeats):
                out = os.path.join(tmp, f"b{seconds}_{r}.mp4")
                cmd = [sys.executable, __file__, "_one", str(seconds), out, mode, precision] + ([checkpoint] if checkpoint else [])
                res = subprocess.run(cmd, capture_output=True, text=True, check=True)
                runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            # model compute per generated second: extension windows fold their own decoding
            # into "sampling", so sampling + decoding compares like with like across lengths
            med.update(seconds=seconds, precision=precision, long_clips=mode if seconds > window else "–", rtf=med["total"] / seconds,
                       per_second=(med["sampling"] + med["decoding"]) / seconds,
                       repeats=repeats)
            rows.append(med)
            print(json.dumps(med), flush=True)
    return rows


def server_vs_cli(repeats) -> dict:
    from comfy_harness import ComfyServer  # a sibling module: scripts/ is on sys.path when run as a script

    wf = json.loads((REPO / "workflows" / "text_to_av.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        server = ComfyServer(Path(tmp) / "srv", log_path=Path(tmp) / "srv.log").start()
        try:
            own_mb = server.memory_kib("VmRSS") / 1024  # ComfyUI's own, before our model loads
            client = server.client()
            client.run_workflow(wf, timeout=900)  # warm-up: model load, caches
            srv, cli = [], []
            for r in range(repeats):
                wf["nodes"][4]["widgets_values"][0] = 1000 + r  # a new seed: no cached outputs
                t = time.perf_counter()
                client.run_workflow(wf, timeout=900)
                srv.append(time.perf_counter() - t)
                out = os.path.join(tmp, f"cli{r}.mp4")
                t = time.perf_counter()
                subprocess.run([sys.executable, "-m", "talkie.cli", "generate", "--prompt", PROMPT, "--seconds", "4",
                                "--seed", str(1000 + r), "--out", out], check=True, capture_output=True)
                cli.append(time.perf_counter() - t)
            peak_mb = server.memory_kib("VmHWM") / 1024
            # and a minute: the shipped 4 s + 60 s extension workflow, once
            long_wf = json.loads((REPO / "workflows" / "extend_to_60s.json").read_text())
            t = time.perf_counter()
            client.run_workflow(long_wf, timeout=1800)
            long_s = time.perf_counter() - t
            long_peak_mb = server.memory_kib("VmHWM") / 1024
        finally:
            server.stop()
    res = {"server_median_s": statistics.median(srv), "cli_median_s": statistics.median(cli), "repeats": repeats,
           "server_rss_at_start_mb": own_mb, "server_peak_rss_mb": peak_mb, "server_peak_beyond_start_mb": peak_mb - own_mb,
           "server_64s_workflow_s": long_s, "server_64s_peak_beyond_start_mb": long_peak_mb - own_mb}
    res["ratio"] = res["server_median_s"] / res["cli_median_s"]
    print(json.dumps(res), flush=True)
    return res


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    from talkie.models.precision import cpu_has_native_bf16
    simd = f"{torch.backends.cpu.get_cpu_capability()}, {'native' if cpu_has_native_bf16() else 'no native'} bf16"
    return (f"{cpu} ({simd}), {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, torch {torch.__version__}, "
            f"threads {os.environ.get('TALKIE_THREADS', '2')}")


def markdown(rows, srv) -> str:
    lines = [f"Machine: {machine()}", "",
             "| clip | long clips | precision | text | sampling | decoding | muxing | prompt→MP4 | real-time factor | model compute s per clip s (sampling + decoding) | peak RSS |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['seconds']:g} s | {r['long_clips']} | {r['precision']} | {r['text']:.3f} s | {r['sampling']:.2f} s | {r['decoding']:.2f} s | "
                     f"{r['muxing']:.2f} s | {r['total']:.2f} s | {r['rtf']:.2f} | {r['per_second']:.3f} | "
                     f"{r['peak_rss_mb']:.0f} MB |")
    if srv:
        lines += ["", f"4 s clip through the real ComfyUI server vs the headless CLI (median of {srv['repeats']}, "
                      f"alternating, one run): server {srv['server_median_s']:.2f} s, CLI {srv['cli_median_s']:.2f} s "
                      f"(CLI includes process start and model load), ratio {srv['ratio']:.2f}. Server memory: "
                      f"{srv['server_rss_at_start_mb']:.0f} MB after start (ComfyUI with the pack imported), peak "
                      f"{srv['server_peak_rss_mb']:.0f} MB, so {srv['server_peak_beyond_start_mb']:.0f} MB beyond "
                      f"ComfyUI's own; the 64 s extension workflow (extend_to_60s) took {srv['server_64s_workflow_s']:.1f} s "
                      f"and peaked {srv['server_64s_peak_beyond_start_mb']:.0f} MB beyond ComfyUI's own."]
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_one":
        print(json.dumps(one_run(float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5],
                                 sys.argv[6] if len(sys.argv) > 6 else None)))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["headless", "server", "all"])
    ap.add_argument("--lengths", type=float, nargs="+", default=[4, 8, 16, 60])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--long-clips", nargs="+", default=["windows"], choices=["windows", "one pass"],
                    help="how clips longer than the window are made; several = one row each")
    ap.add_argument("--precision", nargs="+", default=["auto"], choices=["auto", "bf16", "fp32"],
                    help="the transformer's precision (auto: bf16 where the CPU computes it natively); several = one "
                         "row each, measured one after the other in this run")
    ap.add_argument("--markdown", default=None)
    args = ap.parse_args()
    rows = []
    if args.mode in ("headless", "all"):
        for precision in args.precision:
            rows += headless(args.lengths, args.repeats, args.checkpoint, args.long_clips, precision)
    srv = server_vs_cli(max(3, args.repeats)) if args.mode in ("server", "all") else None
    if args.markdown:
        Path(args.markdown).write_text(markdown(rows, srv) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
