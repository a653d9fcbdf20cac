"""Which scene attributes a codec's latent carries: a linear probe per attribute.

A decoder can only draw what its latent holds, and a transformer can only learn what the
latent lets it say. Before training a decoder harder (or a transformer at all) it is worth
knowing whether the information is there. This encodes rendered scenes with a checkpoint's
codec (or a codec file), labels every token with the scene's ground-truth attribute
(`detectors.expected_attributes`) and fits a multinomial logistic regression on the tokens of
the first clips; it reports the accuracy on the tokens of the other clips and a per-clip
majority vote, beside chance (the most common value's share among the tested clips).

    python -m talkie.models.evaluation.latent_probe --checkpoint checkpoints/talkie-s.safetensors \\
        --stream video --families rain ball clap --clips-per-family 50 --out probe.json

Near 1.0 says the latent carries the attribute where a decoder (or a transformer) can find
it, so a decoder that loses it is the decoder's fault (the shipped video latent tells glass
tints apart in 100 % of test clips; its decoder draws every glass green). Near chance says
only that a *linear* read cannot find it: the decoder is nonlinear (the ball's colour probes
near chance on 18 test clips over 14 colour sets, and comes back right through the codec in
every clip)."""
from __future__ import annotations

import argparse
import json
from collections import Counter

import torch
import torch.nn.functional as F

from ..world import FAMILIES, render_clip
from .detectors import expected_attributes
from .evaluate import (add_codec_file_arguments, codec_files, known_families, native_clip_config, rendered_frames,
                       rendered_stems, with_codecs)

STREAMS = ("video", "audio")


def clip_tokens(model, clip, cfg, stream: str) -> torch.Tensor:
    """One rendered clip's latent tokens [L, D] of `stream`, as the transformer sees them."""
    with torch.no_grad():
        if stream == "video":
            return model.encode_video(rendered_frames(clip), cfg)[0]
        return model.encode_audio(rendered_stems(clip), cfg)[0]


def probe_accuracy(tokens: list[torch.Tensor], labels: list[str], train_share: float = 0.7,
                   steps: int = 400, weight_decay: float = 1e-3, seed: int = 0) -> dict:
    """Fit a linear classifier on the tokens of the first `train_share` of the clips, test on
    the rest. `tokens[i]` [L_i, D] all carry `labels[i]`."""
    if len(tokens) != len(labels):
        raise ValueError("one label per clip")
    n_train = int(round(train_share * len(tokens)))
    if n_train < 2 or n_train >= len(tokens):
        raise ValueError(f"{len(tokens)} clips leave no train or no test set at train_share={train_share}")
    values = sorted(set(labels))
    index = {v: i for i, v in enumerate(values)}
    y = [torch.full((len(t),), index[lab]) for t, lab in zip(tokens, labels)]
    x_tr, y_tr = torch.cat(tokens[:n_train]).float(), torch.cat(y[:n_train])
    mean, std = x_tr.mean(0), x_tr.std(0) + 1e-6
    x_tr = (x_tr - mean) / std
    gen = torch.Generator().manual_seed(seed)
    w = (0.01 * torch.randn(x_tr.shape[1], len(values), generator=gen)).requires_grad_()
    b = torch.zeros(len(values), requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=0.05)
    for _ in range(steps):
        loss = F.cross_entropy(x_tr @ w + b, y_tr) + weight_decay * w.pow(2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    right_tokens = n_tokens = right_clips = 0
    with torch.no_grad():
        for t, lab in zip(tokens[n_train:], labels[n_train:]):
            pred = (((t.float() - mean) / std) @ w + b).argmax(1)
            right_tokens += int((pred == index[lab]).sum())
            n_tokens += len(t)
            right_clips += Counter(pred.tolist()).most_common(1)[0][0] == index[lab]
    test = labels[n_train:]
    return {"token_accuracy": right_tokens / n_tokens, "clip_accuracy": right_clips / len(test),
            "chance": Counter(test).most_common(1)[0][1] / len(test), "values": values,
            "n_train_clips": n_train, "n_test_clips": len(test)}


def probe_name(family: str, attribute: str) -> str:
    """The evaluation's name ("ball.colour"), except that rain pools over every family it
    falls in ("rain_intensity", also for the rain family's own "intensity")."""
    if attribute.startswith("rain_"):
        return attribute
    return f"rain_{attribute}" if family == "rain" else f"{family}.{attribute}"


def run(model, families, clips_per_family: int, stream: str, attributes=None, split: str = "heldout",
        seed_start: int = 0) -> dict:
    """Probe every attribute (or those named) of the families' scenes. Scenes interleave
    families so train and test clips mix them alike."""
    if stream not in STREAMS:
        raise ValueError(f"stream must be one of {STREAMS}, not {stream!r}")
    cfg = native_clip_config(model)
    per_attr: dict[str, tuple[list, list]] = {}
    for seed in range(seed_start, seed_start + clips_per_family):
        for fam in families:
            clip = render_clip(seed, cfg, family=fam, split=split)
            expected = {probe_name(fam, k): v for k, v in expected_attributes(clip.scene).items()}
            wanted = [k for k in expected if attributes is None or k in attributes]
            if not wanted:
                continue
            z = clip_tokens(model, clip, cfg, stream)
            for k in wanted:
                toks, labs = per_attr.setdefault(k, ([], []))
                toks.append(z)
                labs.append(str(expected[k]))
    out = {}
    for k, (toks, labs) in sorted(per_attr.items()):
        if len(set(labs)) < 2:
            out[k] = {"skipped": f"one value only ({labs[0]!r}) in {len(labs)} clips"}
            continue
        out[k] = probe_accuracy(toks, labs)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m talkie.models.evaluation.latent_probe", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="Talkie model whose codecs encode the scenes")
    add_codec_file_arguments(p)
    p.add_argument("--stream", choices=STREAMS, required=True)
    p.add_argument("--families", nargs="+", default=None, help=f"default: all ({', '.join(FAMILIES)})")
    p.add_argument("--attributes", nargs="+", default=None,
                   help="attributes as the evaluation names them (ball.colour, glass.tint); rain_intensity and "
                        "rain_surface pool every family with rain (default: all)")
    p.add_argument("--clips-per-family", type=int, default=40)
    p.add_argument("--seed-start", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--out", default=None, help="results JSON")
    a = p.parse_args(argv)
    try:
        families = known_families(a.families)
    except ValueError as e:
        p.error(str(e))
    if a.clips_per_family < 4:
        p.error("--clips-per-family must be at least 4 (a train and a test set)")
    if a.threads:
        torch.set_num_threads(a.threads)
    from ..av_model import TalkieModel
    codecs = codec_files(a)
    model = with_codecs(TalkieModel.load(a.checkpoint), codecs)
    result = run(model, families, a.clips_per_family, a.stream, a.attributes, seed_start=a.seed_start)
    if not result:
        p.error("no scene of these families carries the attributes asked for")
    for k, r in result.items():
        if "skipped" in r:
            print(f"{k:16s} skipped: {r['skipped']}")
        else:
            print(f"{k:16s} tokens {r['token_accuracy']:.2f}  clips {r['clip_accuracy']:.2f}  "
                  f"chance {r['chance']:.2f}  ({r['n_test_clips']} test clips; {', '.join(r['values'])})")
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"config": {"checkpoint": a.checkpoint, "codec_files": codecs or None, "stream": a.stream,
                                  "families": families, "clips_per_family": a.clips_per_family,
                                  "seed_start": a.seed_start}, "attributes": result}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
