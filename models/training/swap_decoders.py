"""Put fine-tuned codec decoders into a Talkie checkpoint.

    python -m talkie.models.training.swap_decoders --checkpoint runs/joint/talkie.safetensors \\
        --video-codec runs/codecs_ft/video_codec.safetensors \\
        --audio-codec runs/codecs_ft/audio_codec.safetensors --out checkpoints/talkie-s.safetensors

The joint transformer works in the codecs' latent spaces, which their *encoders* define. A
decoder trained on with its encoder frozen (`train_codecs --decoder-only`) reads the same
latents, so it can replace the old decoder without retraining the transformer. A codec whose
encoder differs from the checkpoint's (at the checkpoint's precision) is refused. A decoder
built another way (an audio codec whose `upsample` or `phase` differs) replaces the codec's
config too, and so does a video decoder given temporal layers (`temporal_mixing`)."""
from __future__ import annotations

import argparse
import os

import torch

from ..av_model import TalkieModel
from ..checkpoint import CheckpointError, load_checkpoint
from .train_codecs import ENCODER_PARTS, load_with_new_decoder

# Config fields that shape only the decoder: a codec may differ from the model's in these.
DECODER_FIELDS = {"video": ("temporal_mixing",), "audio": ("upsample", "phase")}


def swap_decoder(model: TalkieModel, which: str, codec_tensors: dict[str, torch.Tensor], source: str,
                 precision=torch.float16, config: dict | None = None) -> int:
    """Load the decoder part of `codec_tensors` (a codec saved with `config`, by default the
    model's own) into the model's `which` ("video"/"audio") codec; returns the number of
    tensors replaced. Raises CheckpointError when the encoders differ or the codec has
    another shape."""
    codec = getattr(model, f"{which}_codec")
    if config is not None:
        mine = codec.cfg.to_dict()
        theirs = {**mine, **config}  # fields an older codec lacks keep their defaults
        theirs = {k: type(mine[k])(v) if isinstance(mine[k], tuple) else v for k, v in theirs.items()}
        changed = sorted(k for k in mine if theirs[k] != mine[k])
        if any(k not in DECODER_FIELDS[which] for k in changed):
            raise CheckpointError(f"{source!r} is {'an' if which == 'audio' else 'a'} {which} codec of another shape "
                                  f"({', '.join(changed)} differ)")
        if changed:  # a decoder built another way: a new codec, the encoder carried over
            rebuilt = type(codec)(type(codec.cfg)(**theirs))
            load_with_new_decoder(rebuilt, codec.state_dict(), source)
            rebuilt.train(codec.training).requires_grad_(any(p.requires_grad for p in codec.parameters()))
            setattr(model, f"{which}_codec", rebuilt)
            codec = rebuilt
    own = codec.state_dict()
    if set(codec_tensors) != set(own):
        raise CheckpointError(f"{source!r} is not a {which} codec of this model's shape")
    encoder = tuple(f"{name}." for name in ENCODER_PARTS[which])
    for name, mine in own.items():
        theirs = codec_tensors[name]
        if theirs.shape != mine.shape:
            raise CheckpointError(f"{source!r}: {name} has shape {tuple(theirs.shape)}, the model's is "
                                  f"{tuple(mine.shape)}")
        if name.startswith(encoder) and not torch.equal(theirs.to(precision), mine.to(precision)):
            raise CheckpointError(f"{source!r} has another {which} encoder ({name} differs): its latents are not "
                                  "the ones the transformer was trained on")
    decoder = {k: v.float() for k, v in codec_tensors.items() if not k.startswith(encoder)}
    codec.load_state_dict({**own, **decoder})
    return len(decoder)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="a Talkie model checkpoint")
    ap.add_argument("--video-codec", default=None, help="a video codec from train_codecs --decoder-only")
    ap.add_argument("--audio-codec", default=None, help="an audio codec from train_codecs --decoder-only")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    if not (args.video_codec or args.audio_codec):
        ap.error("give --video-codec and/or --audio-codec")
    model = TalkieModel.load(args.checkpoint)
    keep = {k: v for k, v in model.checkpoint_meta.items() if k not in model.meta()}
    for which, path in (("video", args.video_codec), ("audio", args.audio_codec)):
        if path:
            tensors, meta = load_checkpoint(path)
            try:
                n = swap_decoder(model, which, tensors, path, config=meta.get("config"))
            except CheckpointError as e:  # a codec that does not fit: say why, write nothing
                raise SystemExit(f"swap_decoders: {e}") from None
            keep[f"{which}_decoder"] = {"from": os.path.basename(path), "codec_step": meta.get("step")}
            print(f"{which} decoder replaced ({n} tensors) from {path}")
    model.save(args.out, extra_meta=keep)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
