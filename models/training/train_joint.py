"""Stage 2: train the joint audio-video transformer on streamed, codec-encoded clips.

    python -m talkie.models.training.train_joint --config models/configs/talkie-s.json \\
        --codecs runs/codecs --out runs/joint --hours 2

Resumable (`--resume`). Every few minutes it writes `train_state.safetensors` (weights,
EMA, optimiser moments) and `talkie.safetensors` (the EMA model with codecs, ready to
load in ComfyUI). `--transformer-from MODEL` starts the transformer from a trained model while
the codecs come from `--codecs`: after a codec is retrained, the text, audio and attention
weights need not be learned again, only the new latent space (a latent of another width
starts only that modality's input and output layers fresh). torchrun-ready: under `torchrun --nproc_per_node N` each rank renders
its own seeds and gradients are averaged with DDP (CUDA when available)."""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

from ..av_model import TalkieModel
from ..checkpoint import load_checkpoint, load_into, save_checkpoint
from ..codecs import codec_config
from ..colour_grounding import COLOUR_VOCABULARY_KEY
from ..config import AVConfig
from ..joint_model import JointConfig
from ..text_encoder import TextEmbedding
from ..world.colour_names import trained_colour_vocabulary
from .data import ClipStream, parse_family_weights
from .event_weights import event_token_weights
from .latent_source import TEXT_TOKENS, CodecLatents, LatentEncoder
from .text_augment import TextAugment


class LatentBuffer:
    """Latents of recent clips; grows to `size`, then the oldest are replaced."""

    def __init__(self, size: int):
        self.size, self.items, self.next, self.seen = size, [], 0, 0

    def add(self, item):
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            self.items[self.next] = item
            self.next = (self.next + 1) % self.size

    def __len__(self):
        return len(self.items)


def text_batch(pairs, device, augment: TextAugment | None = None, unconditional=None, rng=None):
    """Stack padded caption embeddings; `augment` perturbs all but the `unconditional` ones."""
    tok = torch.from_numpy(np.stack([p[0] for p in pairs])).float()
    n = torch.tensor([p[1] for p in pairs])
    mask = torch.arange(TEXT_TOKENS)[None] < n[:, None]
    pooled = torch.from_numpy(np.stack([p[2] for p in pairs])).float()
    text = TextEmbedding(tok, mask, pooled)
    if augment is not None:
        text = augment(text, unconditional, rng)
    return text.to(device)


def logit_normal(n, rng):
    return 1 / (1 + np.exp(-rng.standard_normal(n)))


def event_weight_batch(items, av, weight: float):
    """[B, Lv] and [B, La] loss weights: `weight` on the tokens at each clip's paired events
    (`event_weights`), 1 elsewhere and on clips encoded without event times."""
    tv, ta = av.video_token_times().numpy(), av.audio_token_times().numpy()
    none = np.zeros(0, np.float32)
    wv = np.stack([event_token_weights(tv, av.video_token_seconds, it.get("events_seen", none), weight) for it in items])
    wa = np.stack([event_token_weights(ta, av.audio_token_seconds, it.get("events_heard", none), weight) for it in items])
    return torch.from_numpy(wv), torch.from_numpy(wa)


def make_batch(buf, rng, batch, av, empty, device, augment: TextAugment | None = None, event_weight: float = 1.0):
    """A batch with the training task mix: joint generation, and conditional tasks where
    tokens are held clean (video->audio, audio->video, first frame given, extension)."""
    items = [buf.items[i] for i in rng.integers(0, len(buf), batch)]
    zv = torch.from_numpy(np.stack([it["zv"] for it in items]))
    za = torch.from_numpy(np.stack([it["za"] for it in items]))
    B, Lv, La = batch, zv.shape[1], za.shape[1]
    token_wv, token_wa = event_weight_batch(items, av, event_weight)
    tv = logit_normal(B, rng)
    ta = np.where(rng.random(B) < 0.6, tv, logit_normal(B, rng))
    keep_v = np.zeros((B, Lv), bool)
    keep_a = np.zeros((B, La), bool)
    task = rng.random(B)
    for b in range(B):
        if task[b] < 0.08:        # video -> audio (Foley)
            keep_v[b] = True
        elif task[b] < 0.16:      # audio -> video
            keep_a[b] = True
        elif task[b] < 0.24:      # extension: the first seconds of both are given
            s = rng.uniform(0.5, 2.0)
            keep_v[b, :av.video_tokens_for(s)] = True
            keep_a[b, :av.audio_tokens_for(s)] = True
        elif task[b] < 0.30:      # image -> AV: the first video token is given
            keep_v[b, 0] = True
    cross = torch.from_numpy(rng.random(B) >= 0.1)  # 10% without cross-modal attention (sync guidance)
    drop = rng.random(B) < 0.1                      # 10% unconditional (classifier-free guidance)
    use_acap = rng.random(B) < 0.3                  # 30% the audio stream reads the audio caption
    caps = [empty if drop[b] else items[b]["cap"] for b in range(B)]
    acaps = [empty if drop[b] else (items[b]["acap"] if use_acap[b] else items[b]["cap"]) for b in range(B)]
    return (zv.to(device), za.to(device), torch.from_numpy(tv).float().to(device), torch.from_numpy(ta).float().to(device),
            torch.from_numpy(keep_v).to(device), torch.from_numpy(keep_a).to(device), cross.to(device),
            text_batch(caps, device, augment, drop, rng), text_batch(acaps, device, augment, drop, rng),
            token_wv.to(device), token_wa.to(device))


def flow_loss(model, norm, batch, av, device, autocast):
    zv, za, tv, ta, keep_v, keep_a, cross, text_v, text_a, token_wv, token_wa = batch
    zv = (zv - norm[0]) / norm[1]
    za = (za - norm[2]) / norm[3]
    B = zv.shape[0]
    nv, na = torch.randn_like(zv), torch.randn_like(za)
    tv_tok = torch.where(keep_v, 0.0, tv[:, None])[..., None]
    ta_tok = torch.where(keep_a, 0.0, ta[:, None])[..., None]
    xv = (1 - tv_tok) * zv + tv_tok * nv
    xa = (1 - ta_tok) * za + ta_tok * na
    times_v = av.video_token_times().float().to(device)[None].expand(B, -1)
    times_a = av.audio_token_times().float().to(device)[None].expand(B, -1)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
        pv, pa = model(xv, xa, tv, ta, times_v, times_a, text_v, text_a, keep_v, keep_a, cross)
    # x0-prediction with the loss on velocity: weight (1/t)^2, clamped at low noise
    wv = 1.0 / tv_tok.clamp(min=0.05) ** 2
    wa = 1.0 / ta_tok.clamp(min=0.05) ** 2
    lv = ((pv.float() - zv) ** 2 * wv).mean(-1)
    la = ((pa.float() - za) ** 2 * wa).mean(-1)
    # the tokens to learn, weighted (event tokens count more when --event-weight > 1)
    mv, ma = (~keep_v).float() * token_wv, (~keep_a).float() * token_wa
    lv = (lv * mv).sum() / mv.sum().clamp(min=1)
    la = (la * ma).sum() / ma.sum().clamp(min=1)
    return lv, la


def build_model(cfg_json, codec_dir):
    av = AVConfig.from_dict(cfg_json["av"])
    tv, mv = load_checkpoint(os.path.join(codec_dir, "video_codec.safetensors"))
    ta, ma = load_checkpoint(os.path.join(codec_dir, "audio_codec.safetensors"))
    vcfg, acfg = codec_config("video", mv["config"]), codec_config("audio", ma["config"])
    jcfg = JointConfig(video_dim=vcfg.latent_dim, audio_dim=acfg.latent_dim * 4, **cfg_json["joint"])
    model = TalkieModel(av, vcfg, acfg, jcfg)
    load_into(model.video_codec, tv, "", "video codec")
    load_into(model.audio_codec, ta, "", "audio codec")
    return model


def write_codecs(model: TalkieModel, folder: str) -> tuple[str, str]:
    """A Talkie model's two codecs as the files `--codecs` reads and the data workers load."""
    paths = (os.path.join(folder, "video_codec.safetensors"), os.path.join(folder, "audio_codec.safetensors"))
    for path, kind, codec in zip(paths, ("video", "audio"), (model.video_codec, model.audio_codec)):
        save_checkpoint(path, codec.state_dict(), {"kind": f"{kind}_codec", "config": codec.cfg.to_dict()})
    return paths


# The transformer's only layers whose shape follows a codec's latent width: they start fresh
# when a retrained codec's latent is wider or narrower; everything else carries over.
LATENT_LAYERS = {"video_dim": ("v_in.", "v_out."), "audio_dim": ("a_in.", "a_out.")}


def lineage_of(meta: dict) -> dict:
    """Where a checkpoint's transformer came from, as its metadata records it (carried into
    every checkpoint of a run that resumes or continues it)."""
    return {k: meta[k] for k in ("transformer_from",) if k in meta}


def load_transformer(model: TalkieModel, path: str) -> dict:
    """Copy a trained Talkie model's joint transformer into `model` (same architecture
    required, except the latent widths: a modality whose codec latent changed size keeps
    `model`'s fresh input/output layers; codecs and latent statistics stay `model`'s).
    Returns what to record of it."""
    source = TalkieModel.load(path)
    mine, theirs = model.joint.cfg.to_dict(), source.joint.cfg.to_dict()
    other = sorted(k for k in mine if mine[k] != theirs[k] and k not in LATENT_LAYERS)
    if other:
        raise SystemExit(f"{path}: its transformer differs from this config's in {', '.join(other)} "
                         f"({', '.join(f'{k}={theirs[k]} vs {mine[k]}' for k in other)})")
    fresh_prefixes = tuple(p for k, prefixes in LATENT_LAYERS.items() if mine[k] != theirs[k] for p in prefixes)
    weights = {k: v for k, v in source.joint.state_dict().items() if not k.startswith(fresh_prefixes)}
    model.joint.load_state_dict({**model.joint.state_dict(), **weights})
    meta = source.checkpoint_meta
    record = {"file": os.path.basename(path), "step": meta.get("step"), "trained_hours": meta.get("trained_hours")}
    if fresh_prefixes:
        record["fresh_layers"] = [p.rstrip(".") for p in fresh_prefixes]
    return record


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--codecs", default="runs/codecs",
                    help="a folder with video_codec.safetensors and audio_codec.safetensors (train_codecs output), "
                         "or a Talkie model whose codecs to train on (copied into --out)")
    ap.add_argument("--out", default="runs/joint")
    ap.add_argument("--hours", type=float, default=None,
                    help="wall-clock budget, added to what the weights already had (default 1)")
    ap.add_argument("--steps", type=int, default=None,
                    help="a budget in optimiser steps instead of hours, added to the weights' own count: the same "
                         "schedule on any hardware")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=float, default=5.0, help="minutes between checkpoints")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/train_state.safetensors")
    ap.add_argument("--init-from", default=None,
                    help="start from a shipped Talkie model (its codecs, latent statistics and EMA transformer), "
                         "e.g. checkpoints/talkie-s.safetensors, to keep training it without the optimiser state")
    ap.add_argument("--transformer-from", default=None,
                    help="start the joint transformer from this Talkie model's weights, with the codecs of --codecs "
                         "and latent statistics computed afresh (a new run: its own warm-up and schedule)")
    ap.add_argument("--family-weights", default=None, metavar="FAMILY=W,...",
                    help="scene-family sampling weights over the world's defaults, e.g. ball=0.5")
    ap.add_argument("--event-weight", type=float, default=1.0,
                    help="loss weight of the tokens at paired events (bounces, claps, syllables) relative to the "
                         "rest; > 1 spends more of the model on sync")
    ap.add_argument("--workers", type=int, default=None,
                    help="clip-rendering processes, over the config's train.workers (each renders and encodes on "
                         "one CPU core; a GPU trainer needs most of the machine's cores to stay fed)")
    ap.add_argument("--lr", type=float, default=None, help="peak learning rate, over the config's train.lr")
    ap.add_argument("--batch", type=int, default=None,
                    help="clips per step, over the config's train.batch (on a GPU a larger batch costs little more time "
                         "a step: BENCHMARKS.md)")
    ap.add_argument("--encode-on-trainer", action="store_true",
                    help="the codecs encode the rendered clips on the trainer's device, 32 at a time, instead of in "
                         "each renderer: for a GPU, whose host's cores are then left to render (the codecs are over "
                         "half of a renderer's time on a CPU core)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-autocast", action="store_true")
    args = ap.parse_args(argv)
    try:
        family_weights = parse_family_weights(args.family_weights)
    except ValueError as e:
        ap.error(str(e))
    if not (math.isfinite(args.event_weight) and args.event_weight > 0):
        ap.error("--event-weight must be a finite number > 0")
    for name in ("workers", "batch", "steps"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            ap.error(f"--{name} must be at least 1")
    if args.hours is not None and args.steps is not None:
        ap.error("give --hours or --steps, not both")
    if args.hours is None and args.steps is None:
        args.hours = 1.0
    for name in ("hours", "lr"):
        value = getattr(args, name)
        if value is not None and not (math.isfinite(value) and value > 0):
            ap.error(f"--{name} must be a finite number > 0")
    if args.init_from and args.transformer_from:
        ap.error("--init-from keeps the model's own codecs; --transformer-from takes new ones: give one")
    if not args.init_from and not os.path.isfile(args.codecs):
        found = all(os.path.exists(os.path.join(args.codecs, f"{k}_codec.safetensors")) for k in ("video", "audio"))
        kept = args.resume and os.path.exists(os.path.join(args.out, "video_codec.safetensors"))
        if not (found or kept):
            ap.error(f"--codecs {args.codecs}: neither a Talkie model file nor a folder holding "
                     "video_codec.safetensors and audio_codec.safetensors")

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    rank = 0
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        rank = dist.get_rank()
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed + rank)
    rng = np.random.default_rng(args.seed + 1000 * rank)
    cfg_json = json.load(open(args.config))
    tc = cfg_json["train"]
    tc.update({k: v for k, v in (("workers", args.workers), ("batch", args.batch), ("lr", args.lr)) if v is not None})
    av = AVConfig.from_dict(cfg_json["av"])
    augment = TextAugment.from_dict(tc.get("text_augment"))
    lineage = {}  # where the transformer's weights came from, kept in every checkpoint's metadata
    if args.init_from:
        model = TalkieModel.load(args.init_from).train().requires_grad_(True).to(device)
        norm_from_checkpoint = True
    else:
        codec_dir = args.codecs
        if os.path.isfile(codec_dir):  # a Talkie model: its codecs, kept next to the run's state
            write_codecs(TalkieModel.load(codec_dir), args.out)
            codec_dir = args.out
        elif args.resume and not os.path.exists(os.path.join(codec_dir, "video_codec.safetensors")):
            codec_dir = args.out  # a run started with --init-from keeps its codecs next to its state
        model = build_model(cfg_json, codec_dir).to(device)
        norm_from_checkpoint = False
        if args.transformer_from and not args.resume:
            lineage = {"transformer_from": load_transformer(model, args.transformer_from)}
    colour_features = cfg_json["joint"].get("text_colour_features", 0)
    if colour_features and not model.joint.cfg.text_colour_features:  # e.g. --init-from a model trained without
        model.joint.add_text_colour_features(colour_features)
    model.video_codec.requires_grad_(False)
    model.audio_codec.requires_grad_(False)
    joint = model.joint
    ema = {k: v.detach().clone().float() for k, v in joint.state_dict().items()}
    opt = torch.optim.AdamW(joint.parameters(), lr=tc["lr"], weight_decay=tc["weight_decay"], betas=(0.9, 0.99))
    os.makedirs(args.out, exist_ok=True)
    state_path = os.path.join(args.out, "train_state.safetensors")
    step, trained_s = 0, 0.0
    norm_ready = norm_from_checkpoint
    if args.init_from:
        meta = model.checkpoint_meta
        step, trained_s = int(meta.get("step", 0)), float(meta.get("trained_hours", 0.0)) * 3600
        lineage = lineage_of(meta)  # a continuation keeps its origin
    if args.resume and os.path.exists(state_path):
        tensors, meta = load_checkpoint(state_path)
        load_into(joint, tensors, "model.", state_path)
        ema = {k[4:]: v.float() for k, v in tensors.items() if k.startswith("ema.")}
        for k in ("video_mean", "video_std", "audio_mean", "audio_std"):
            getattr(model, k).copy_(tensors["norm." + k])
        for i, p in enumerate(joint.parameters()):
            if f"opt.{i}.m" in tensors:
                opt.state[p] = {"step": torch.tensor(float(meta["step"])), "exp_avg": tensors[f"opt.{i}.m"].clone(),
                                "exp_avg_sq": tensors[f"opt.{i}.v"].clone()}
        step, trained_s, norm_ready = meta["step"], meta.get("trained_seconds", 0.0), True
        lineage = lineage_of(meta)
    first_step = 0 if args.resume else step
    net = torch.nn.parallel.DistributedDataParallel(joint) if distributed else joint
    codec_files = (os.path.join(codec_dir, "video_codec.safetensors"), os.path.join(codec_dir, "audio_codec.safetensors")) \
        if not args.init_from else None
    if args.init_from:  # the workers encode with the shipped model's own codecs
        codec_files = write_codecs(model, args.out)
    encoder = LatentEncoder(*codec_files, colour_neutral_p=tc.get("colour_word_neutral", 0.0),
                            codecs_in_worker=not args.encode_on_trainer)
    on_trainer = CodecLatents(*codec_files, device=device) if args.encode_on_trainer else None
    stream = ClipStream(av, workers=tc["workers"], seed=args.seed * 100 + rank + 7, encode_fn=encoder, maxsize=256,
                        colour_name_p=tc.get("colour_names", 0.0), weights=family_weights)
    buf = LatentBuffer(tc["buffer"])

    def take(items):
        for item in on_trainer.fill(items) if on_trainer is not None else items:
            buf.add(item)

    while len(buf) < tc["min_buffer"]:
        take([stream.get(timeout=900)] + stream.drain(31))
    from ..text_encoder import TextEncoder
    empty_emb = TextEncoder().encode("")
    empty = (np.pad(empty_emb.tokens[0].numpy(), ((0, TEXT_TOKENS - empty_emb.tokens.shape[1]), (0, 0))).astype(np.float16),
             int(empty_emb.tokens.shape[1]), empty_emb.pooled[0].numpy().astype(np.float16))
    if not norm_ready:  # latent statistics, fixed for the rest of training
        zv = np.concatenate([it["zv"] for it in buf.items])
        za = np.concatenate([it["za"] for it in buf.items])
        model.video_mean.copy_(torch.from_numpy(zv.mean(0)))
        model.video_std.copy_(torch.from_numpy(zv.std(0) + 1e-4))
        model.audio_mean.copy_(torch.from_numpy(za.mean(0)))
        model.audio_std.copy_(torch.from_numpy(za.std(0) + 1e-4))
    norm = (model.video_mean, model.video_std, model.audio_mean, model.audio_std)
    colour_vocabulary = trained_colour_vocabulary().to_meta()  # what its captions called each colour
    # this invocation's command; a resumed or continued run's earlier ones are in its model card
    recipe = " ".join(["python -m talkie.models.training.train_joint", *(sys.argv[1:] if argv is None else argv)])
    # --hours / --steps always add to what the weights already had; the cosine runs over the
    # whole history, so a resumed or continued run restarts warm and decays to the floor again
    budget_s = args.hours * 3600 if args.hours is not None else math.inf
    total_budget = trained_s + budget_s
    last_step = step + args.steps if args.steps is not None else math.inf
    log = open(os.path.join(args.out, "log.jsonl"), "a") if rank == 0 else None
    t0, t_save, acc = time.time(), time.time(), []
    trained_start = trained_s

    def save():
        if rank != 0:
            return
        tensors = {"model." + k: v for k, v in joint.state_dict().items()}
        tensors.update({"ema." + k: v for k, v in ema.items()})
        tensors.update({"norm." + k: getattr(model, k) for k in ("video_mean", "video_std", "audio_mean", "audio_std")})
        for i, p in enumerate(joint.parameters()):
            st = opt.state.get(p)
            if st:
                tensors[f"opt.{i}.m"], tensors[f"opt.{i}.v"] = st["exp_avg"], st["exp_avg_sq"]
        meta = {"step": step, "trained_seconds": trained_s, "config": cfg_json, "clips_seen": buf.seen, **lineage}
        save_checkpoint(state_path, tensors, meta)
        live = {k: v.clone() for k, v in joint.state_dict().items()}
        joint.load_state_dict(ema)
        model.save(os.path.join(args.out, "talkie.safetensors"),
                   {"step": step, "trained_hours": round(trained_s / 3600, 3), "clips_seen": buf.seen,
                    "recipe": recipe,
                    COLOUR_VOCABULARY_KEY: colour_vocabulary, **lineage})
        joint.load_state_dict(live)

    while time.time() - t0 < budget_s and step < last_step:
        take(stream.drain(32))
        progress = min(1.0, step / last_step if args.steps is not None else trained_s / total_budget)
        # warm up again whenever the optimiser starts fresh (a new run or --init-from)
        lr = tc["lr"] * min(1.0, (step - first_step + 1) / tc["warmup_steps"]) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        ts = time.time()
        batch = make_batch(buf, rng, tc["batch"], av, empty, device, augment, args.event_weight)
        lv, la = flow_loss(net, norm, batch, av, device, not args.no_autocast)
        loss = lv + la
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(joint.parameters(), 1.0)
        opt.step()
        step += 1
        decay = min(tc["ema"], (1 + step) / (10 + step))
        with torch.no_grad():
            for k, v in joint.state_dict().items():
                ema[k].mul_(decay).add_(v.float(), alpha=1 - decay) if v.is_floating_point() else ema[k].copy_(v)
        trained_s = trained_start + (time.time() - t0)
        acc.append((lv.item(), la.item(), float(gn), time.time() - ts))
        if rank == 0 and step % 25 == 0:
            a = np.array(acc)
            log.write(json.dumps({"step": step, "loss_video": a[:, 0].mean(), "loss_audio": a[:, 1].mean(),
                                  "grad_norm": a[:, 2].mean(), "s_per_step": a[:, 3].mean(), "lr": lr,
                                  "clips_seen": buf.seen, "buffer": len(buf), "hours": trained_s / 3600}) + "\n")
            log.flush()
            acc = []
        if time.time() - t_save > args.save_every * 60:
            save()
            t_save = time.time()
    save()
    stream.close()
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
