"""One transformer training step (train_joint's flow_loss + backward + AdamW) on the shipped
model's transformer, bf16 autocast against fp32, alternating, in one run:

    python scripts/benchmark_train_step.py [--batch 32] [--repeats 7] [--threads 2]

The batch is random latents with the shipped model's shapes and real caption encodings, so
the arithmetic is a real step's; no renderer runs (the stream's cost is not in these numbers)."""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from talkie.models.av_model import TalkieModel
from talkie.models.pipeline import default_checkpoint_path
from talkie.models.precision import cpu_has_native_bf16
from talkie.models.text_encoder import TextEncoder
from talkie.models.training.train_joint import flow_loss


def random_batch(model: TalkieModel, batch: int, text: TextEncoder):
    av, j = model.av, model.joint.cfg
    zv = torch.randn(batch, av.num_video_tokens, j.video_dim)
    za = torch.randn(batch, av.num_audio_tokens, j.audio_dim)
    t = torch.rand(batch).clamp(0.02, 1.0)
    keep_v = torch.zeros(batch, av.num_video_tokens, dtype=torch.bool)
    keep_a = torch.zeros(batch, av.num_audio_tokens, dtype=torch.bool)
    caps = text.encode([f"a red rubber ball bouncing {i} times on the floor" for i in range(batch)])
    ones_v, ones_a = torch.ones(batch, av.num_video_tokens), torch.ones(batch, av.num_audio_tokens)
    return (zv, za, t, t.clone(), keep_v, keep_a, torch.ones(batch, dtype=torch.bool), caps, caps, ones_v, ones_a)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = TalkieModel.load(args.checkpoint or default_checkpoint_path())
    net = model.joint.train().requires_grad_(True)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-6)
    batch = random_batch(model, args.batch, TextEncoder())
    norm = (0.0, 1.0, 0.0, 1.0)
    device = torch.device("cpu")

    def step(autocast: bool) -> float:
        t0 = time.perf_counter()
        lv, la = flow_loss(net, norm, batch, model.av, device, autocast)
        (lv + la).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return time.perf_counter() - t0

    times = {"bf16": [], "fp32": []}
    step(True), step(False)  # warm-up
    for _ in range(args.repeats):
        times["bf16"].append(step(True))
        times["fp32"].append(step(False))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(json.dumps({"batch": args.batch, "repeats": args.repeats, "threads": args.threads,
                      "cpu": torch.backends.cpu.get_cpu_capability(), "native_bf16": cpu_has_native_bf16(),
                      "median_s": med, "bf16_over_fp32": med["bf16"] / med["fp32"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
