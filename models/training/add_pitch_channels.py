"""Give a Talkie model an audio codec whose latent carries the tracked pitch, and its
transformer the channels to generate it.

    python -m talkie.models.training.add_pitch_channels --checkpoint checkpoints/talkie-s.safetensors \\
        --audio-codec runs/pitch/audio_codec.safetensors --out runs/talkie-pitch.safetensors

The codec comes from `train_codecs --decoder-only --pitch-channels` on the model's own audio
codec: its encoder's learned numbers are the model's, bit for bit, and each stem's latent gains
two channels (models/codecs/pitch.py). Everything the transformer has learned stays where it
was: its audio input and output layers grow by the new channels with zero weights (so the
grown model reads and writes every old channel exactly as before, and writes the new ones at
their mean), and the latent statistics keep the old channels' values, the new ones measured on
rendered clips. `train_joint --init-from` the result then teaches it the pitch."""
from __future__ import annotations

import argparse
import os

import torch

from ..av_model import TalkieModel
from ..checkpoint import CheckpointError, load_checkpoint
from ..codecs import codec_config
from ..config import STEMS
from ..joint_model import JointConfig

STATISTICS_CLIPS = 96  # rendered clips the new channels' mean and spread are measured on


def channel_map(old_per_stem: int, new_per_stem: int) -> torch.Tensor:
    """Where each old audio-latent channel sits in the grown latent (stems side by side)."""
    return torch.tensor([s * new_per_stem + c for s in range(len(STEMS)) for c in range(old_per_stem)])


def grow_transformer_audio(old: dict[str, torch.Tensor], grown: dict[str, torch.Tensor],
                           where: torch.Tensor) -> dict[str, torch.Tensor]:
    """The old joint weights in the grown shapes: the audio input layer's columns and output
    layer's rows moved to `where`, the new ones zero."""
    out = dict(old)
    for name, axis in (("a_in.weight", 1), ("a_out.weight", 0), ("a_out.bias", 0)):
        t = torch.zeros_like(grown[name])
        t.index_copy_(axis, where, old[name].to(t.dtype))
        out[name] = t
    return out


def measured_statistics(model: TalkieModel, clips: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and spread of the model's raw audio latent over rendered clips (a
    channel that never moves, such as an unpitched stem's pitch, gets mean 0 and spread 1)."""
    from ..evaluation.evaluate import rendered_stems
    from ..world import render_clip
    cfg = model.av
    with torch.no_grad():
        z = torch.cat([model.encode_audio(rendered_stems(render_clip(seed + i, cfg)), cfg)[0]
                       for i in range(clips)]) * model.audio_std + model.audio_mean
    mean, std = z.mean(0), z.std(0)
    still = std < 1e-3
    return torch.where(still, torch.zeros_like(mean), mean), torch.where(still, torch.ones_like(std), std + 1e-4)


def add_pitch_channels(model: TalkieModel, codec_tensors: dict[str, torch.Tensor], codec_meta: dict, source: str,
                       clips: int = STATISTICS_CLIPS, seed: int = 0) -> TalkieModel:
    old_cfg = model.audio_codec.cfg
    new_cfg = codec_config("audio", codec_meta.get("config", {}))
    if old_cfg.pitch_channels or not new_cfg.pitch_channels:
        raise CheckpointError(f"{source!r}: expected a codec with pitch channels for a model without them")
    same = {k: v for k, v in old_cfg.to_dict().items() if k != "pitch_channels"}
    if {k: v for k, v in new_cfg.to_dict().items() if k != "pitch_channels"} != same:
        raise CheckpointError(f"{source!r} is not the model's audio codec grown by pitch channels (its config differs)")
    mine = model.audio_codec.state_dict()
    for name, t in mine.items():
        if name.startswith("enc.") and not torch.equal(codec_tensors[name].half(), t.half()):
            raise CheckpointError(f"{source!r} has another audio encoder ({name} differs): its latents are not the "
                                  "ones the transformer was trained on")
    joint = JointConfig(**{**model.joint.cfg.to_dict(), "audio_dim": new_cfg.channels * len(STEMS)})
    grown = TalkieModel(model.av, model.video_codec.cfg, new_cfg, joint)
    grown.video_codec.load_state_dict(model.video_codec.state_dict())
    grown.audio_codec.load_state_dict({k: v.float() for k, v in codec_tensors.items()})
    where = channel_map(old_cfg.channels, new_cfg.channels)
    grown.joint.load_state_dict(grow_transformer_audio(model.joint.state_dict(), grown.joint.state_dict(), where))
    grown.video_mean.copy_(model.video_mean)
    grown.video_std.copy_(model.video_std)
    mean, std = measured_statistics(grown, clips, seed)
    mean[where], std[where] = model.audio_mean, model.audio_std   # the channels the transformer knows keep theirs
    grown.audio_mean.copy_(mean)
    grown.audio_std.copy_(std)
    return grown.eval()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="a Talkie model whose audio codec has no pitch channels")
    ap.add_argument("--audio-codec", required=True, help="its audio codec grown by train_codecs --pitch-channels")
    ap.add_argument("--out", required=True)
    ap.add_argument("--clips", type=int, default=STATISTICS_CLIPS,
                    help="rendered clips to measure the new channels' statistics on")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.clips < 2:
        ap.error("--clips must be at least 2")
    model = TalkieModel.load(args.checkpoint)
    tensors, meta = load_checkpoint(args.audio_codec)
    try:
        grown = add_pitch_channels(model, tensors, meta, args.audio_codec, args.clips, args.seed)
    except CheckpointError as e:
        raise SystemExit(f"add_pitch_channels: {e}") from None
    keep = {k: v for k, v in model.checkpoint_meta.items() if k not in model.meta()}
    keep["audio_decoder"] = {"from": os.path.basename(args.audio_codec), "codec_step": meta.get("step"),
                             "pitch_channels_added": True}
    grown.save(args.out, extra_meta=keep)
    print(f"wrote {args.out}: audio latent {model.joint.cfg.audio_dim} -> {grown.joint.cfg.audio_dim} channels")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
