"""Stage 1: train the video and audio codecs on streamed Foley-world clips.

    python -m talkie.models.training.train_codecs --which video --minutes 12 --out runs/codecs
    python -m talkie.models.training.train_codecs --which audio --minutes 20 --out runs/codecs
    python -m talkie.models.training.train_codecs --which video --decoder-only --minutes 30 \
        --init-from runs/codecs/video_codec.safetensors --out runs/codecs_ft
    python -m talkie.models.training.train_codecs --which audio --decoder-only --minutes 40 \
        --audio-upsample interpolate --init-from runs/codecs/audio_codec.safetensors --out runs/codecs_ft
    python -m talkie.models.training.train_codecs --which video --latent-dim 96 --minutes 60 --out runs/codecs_wide
    python -m talkie.models.training.train_codecs --which audio --decoder-only --audio-phase integrated \
        --phase-advance-weight 1 --head-magnitude-weight 4 --stem-weights effects=3 --minutes 30 \
        --init-from checkpoints/talkie-s.safetensors --out runs/codecs_ring
    python -m talkie.models.training.train_codecs --which audio --decoder-only --band-energy-weight 1 \
        --family-weights rain=0.3 --stem-weights ambience=2 --minutes 35 \
        --init-from checkpoints/talkie-s.safetensors --out runs/codecs_level
    python -m talkie.models.training.train_codecs --which video --decoder-only --object-mask-weight 5 \
        --rain-prob 0.4 --minutes 40 --init-from checkpoints/talkie-s.safetensors --out runs/codecs_mask
    python -m talkie.models.training.train_codecs --which audio --decoder-only --onset-flux-weight 1 \
        --family-weights ball=0.4 --stem-weights effects=2 --minutes 40 \
        --init-from checkpoints/talkie-s.safetensors --out runs/codecs_flux

`--decoder-only` keeps the encoder frozen, so latents stay bit-identical and a joint model
trained on them keeps working with the better decoder (`models/training/swap_decoders.py`
puts it into a Talkie checkpoint); with `--audio-upsample` other than the checkpoint's, the
decoder's upsampling layers start fresh and everything else carries over. `--latent-dim`
sizes a new video latent (more room per frame pair); the transformer then moves onto it with
`train_joint --transformer-from`. Resumable (`--resume`), checkpoints every few minutes as
safetensors with the config in the metadata. CPU by default; `--device cuda` uses a GPU unchanged."""
from __future__ import annotations

import argparse
import json
import math
import os
import time
from functools import partial

import numpy as np
import torch

from ..av_model import FORMAT
from ..checkpoint import CheckpointError, load_checkpoint, load_into, save_checkpoint
from ..codecs import AudioCodec, AudioCodecConfig, VideoCodec, VideoCodecConfig
from ..codecs.audio_codec import NEW_CODEC_UPSAMPLE, PHASE_MODES, UPSAMPLE_MODES
from ..codecs.pitch import PITCH_CHANNELS
from ..config import PITCHED_STEMS, STEMS, AVConfig
from ..evaluation.clipdata import OBJECT_THRESHOLD
from ..evaluation.sync_eval import KEYED_PARTS
from ..world.families.common import floor_y
from .data import (ClipBuffer, ClipStream, RendererDied, add_rain_prob_argument, check_rain_prob,
                   parse_family_weights, parse_weights)
from .losses import (band_energy_loss, brightness_loss, colour_key_loss, colour_loss, envelope_loss,
                     head_magnitude_loss, hop_comb_loss, motion_energy_loss, multires_stft_loss, object_centroid_loss,
                     object_colour_loss, object_mask_loss, onset_flux_loss, phase_advance_loss, pitch_loss,
                     streak_density_loss, thin_line_stats_loss)

# Noise added to latents before decoding (latents have std ~1-2), unless --latent-noise says.
LATENT_NOISE = {"video": 0.03, "audio": 0.02}

# Loss flags that only one codec's training reads: refused for the other.
STREAM_LOSSES = {"video": ("line_stats_weight", "object_mask_weight", "object_centroid_weight",
                           "object_colour_weight", "colour_key_weight", "brightness_weight", "motion_energy_weight",
                           "streak_density_weight"),
                 "audio": ("band_energy_weight", "onset_flux_weight", "head_magnitude_weight")}

# The families whose detector reads the colour of the object mask, and whether of its solid core
# (True: a ball's blobs; rain streaks and splashes drop out) or of all of it (False: a glass's
# tint, mostly its sub-pixel shards): the object-colour term is asked of their items only. On
# the others the mask also holds rain streaks, splashes or a lightning flash no detector reads.
MASK_COLOUR_FAMILIES = {"glass": False, "ball": True}

# The modules that define each codec's latent space (frozen by --decoder-only).
ENCODER_PARTS = {"video": ("enc", "to_latent"), "audio": ("enc",)}


# What a decoder built another way may start fresh: the audio decoder's layers (another
# upsampling or phase mode) and its harmonic gate (pitch channels added), the video decoder's
# temporal layers (added at zero).
NEW_DECODER_PARTS = {AudioCodec: ("dec.", "advance.", "harmonic_gate."), VideoCodec: ("temporal.",)}


def load_with_new_decoder(model: AudioCodec | VideoCodec, tensors: dict[str, torch.Tensor], source: str) -> int:
    """Load the weights of a codec whose decoder was built another way (audio: upsampling,
    phase mode; video: temporal mixing): every tensor whose name and shape match; only
    decoder tensors may be left fresh (CheckpointError otherwise). Returns how many start
    fresh."""
    own = model.state_dict()
    shared = {k: v for k, v in tensors.items() if k in own and v.shape == own[k].shape}
    fresh = sorted(set(own) - set(shared))
    stray = [k for k in fresh if not k.startswith(NEW_DECODER_PARTS[type(model)])]
    if stray:
        raise CheckpointError(f"{source}: {stray[0]} does not fit this codec; only its decoder may be built "
                              "another way")
    model.load_state_dict({**own, **{k: v.float() for k, v in shared.items()}})
    return len(fresh)


def with_pitch_inputs(tensors: dict[str, torch.Tensor], latent_dim: int) -> dict[str, torch.Tensor]:
    """An audio codec's weights without pitch channels, its decoder's first layer widened to
    read them through zero weights: the grown decoder decodes every latent as before."""
    first = tensors["dec.0.weight"]
    if first.shape[1] != latent_dim:
        raise CheckpointError(f"the audio decoder reads {first.shape[1]} channels, expected {latent_dim}")
    grown = torch.cat([first, first.new_zeros(first.shape[0], PITCH_CHANNELS, first.shape[2])], 1)
    return {**tensors, "dec.0.weight": grown}


def load_codec_checkpoint(path: str, which: str) -> tuple[dict[str, torch.Tensor], dict]:
    """A codec checkpoint, or the `which` codec inside a Talkie model (so the shipped model's
    decoder can be trained on directly). Weights come back as float32."""
    tensors, meta = load_checkpoint(path)
    if meta.get("format") == FORMAT:
        prefix = f"{which}_codec."
        tensors = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        meta = {"kind": f"{which}_codec", "config": meta[f"{which}_codec"], "step": 0, "from_model": os.path.basename(path)}
    elif meta.get("kind", f"{which}_codec") != f"{which}_codec":
        raise CheckpointError(f"{path} holds a {meta['kind']!r}, neither the {which} codec nor a Talkie model")
    return {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}, meta


def video_batch(buf: ClipBuffer, rng, batch: int, f: int, device, latents: int = 1):
    """`batch` items of `latents` consecutive latents' frames (f each) from the buffer's clips,
    per-pixel weights (10 where a pixel differs from its clip's background, else 1) and each
    item's scene family."""
    n = f * latents
    idx = rng.integers(0, len(buf.frames), batch)
    T = buf.frames.shape[1]
    starts = rng.integers(0, (T - n) // f + 1, batch) * f
    clips = np.stack([buf.frames[i, s:s + n] for i, s in zip(idx, starts)])     # [B,n,H,W,3]
    bg = np.stack([np.median(buf.frames[i, ::8], axis=0) for i in idx])           # per-clip background
    x = torch.from_numpy(clips).to(device).float() / 255.0
    fg = (np.abs(clips.astype(np.int16) - bg[:, None].astype(np.int16)).max(-1) > 12)
    w = 1.0 + 9.0 * torch.from_numpy(fg).to(device).float()[..., None]
    return x, w, [buf.families[i] for i in idx]


def per_family_loss(y: torch.Tensor, x: torch.Tensor, families: list[str], losses: dict) -> torch.Tensor:
    """Each family's loss (`losses`: family -> loss(y, x)) on that family's items only, averaged
    over the families present (0 when the batch has none of them)."""
    terms = []
    for family, loss in losses.items():
        items = [i for i, f in enumerate(families) if f == family]
        if items:
            terms.append(loss(y[items], x[items]))
    return torch.stack(terms).mean() if terms else y.new_zeros(())


def keyed_parts_loss(y: torch.Tensor, x: torch.Tensor, families: list[str]) -> torch.Tensor:
    """`losses.colour_key_loss` of each family's keyed part (`KEYED_PARTS`) on that family's
    items only: a key colour elsewhere (a red ball's shading near the mouth's dark red) is not
    that part."""
    return per_family_loss(y, x, families, {family: partial(colour_key_loss, colours=[colour])
                                            for family, colour in KEYED_PARTS.items()})


def mask_colour_loss(y: torch.Tensor, x: torch.Tensor, families: list[str], floor_row: int,
                     asked=tuple(MASK_COLOUR_FAMILIES)) -> torch.Tensor:
    """`losses.object_colour_loss` on the items of the `asked` families of MASK_COLOUR_FAMILIES
    only, each with its own mask (whole or solid core)."""
    return per_family_loss(y, x, families, {
        family: partial(object_colour_loss, threshold=OBJECT_THRESHOLD, floor_row=floor_row,
                        solid=MASK_COLOUR_FAMILIES[family]) for family in asked})


def audio_batch(buf: ClipBuffer, rng, batch: int, seconds: float, sr: int, spt: int, device,
                stem_share: np.ndarray | None = None):
    """`batch` one-stem segments of `seconds`, each stem drawn with `stem_share` (STEMS
    order; default: all alike), and which of them are of a stem whose pitch is tracked."""
    n = int(seconds * sr) // spt * spt
    out = np.zeros((batch, n), np.float32)
    pitched = np.zeros(batch, bool)
    N = buf.stems.shape[-1]
    for b in range(batch):
        for _ in range(6):  # prefer non-silent stems; silence still appears and must stay silent
            i = rng.integers(len(buf.stems))
            s = rng.integers(buf.stems.shape[1]) if stem_share is None else rng.choice(len(stem_share), p=stem_share)
            start = int(rng.integers(0, N - n))
            seg = buf.stems[i, s, start:start + n].astype(np.float32)
            if np.abs(seg).max() > 1e-3 or rng.random() < 0.1:
                break
        out[b] = seg * (rng.uniform(0.5, 1.5) if np.abs(seg).max() < 0.6 else 1.0)
        pitched[b] = STEMS[s] in PITCHED_STEMS
    return torch.from_numpy(out).to(device), torch.from_numpy(pitched).to(device)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--which", choices=["video", "audio"], required=True)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--out", default="runs/codecs")
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--buffer", type=int, default=400)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--resume", action="store_true", help="continue from OUT's checkpoint")
    ap.add_argument("--init-from", default=None,
                    help="start from this codec checkpoint (its step carries on) or from a Talkie model's codec "
                         "(e.g. checkpoints/talkie-s.safetensors; steps count from 0)")
    ap.add_argument("--pair-motion-weight", type=float, default=0.0,
                    help="video: weight of a loss on the difference between the frames of one latent "
                         "(against decoding every frame of a latent as the same image)")
    ap.add_argument("--colour-weight", type=float, default=0.0,
                    help="video: weight of a loss on the chroma (colour minus its grey level) of foreground "
                         "pixels, so small objects keep their hue instead of drifting to the average colour")
    ap.add_argument("--colour-background-weight", type=float, default=0.0,
                    help="video: the chroma term's weight on background pixels relative to the foreground's 1 "
                         "(keeps the static scene's hue; needs --colour-weight)")
    ap.add_argument("--line-stats-weight", type=float, default=0.0,
                    help="video: weight of a loss matching, per 32-px cell, how many 1-px lines the output "
                         "draws, how strong and how long (rain streaks; see losses.thin_line_stats_loss) "
                         "instead of blurring them into haze")
    ap.add_argument("--line-stats-moving", action="store_true",
                    help="video: the line statistics also match how much the lines change from one frame "
                         "to the next (drops fall), so lines that never move (an edge column, the floor's "
                         "splash row) cost what they are: not rain")
    ap.add_argument("--line-stats-long-px", type=int, default=0, metavar="N",
                    help="video: the line statistics also match the strength on lines at least N px long "
                         "(rain streaks are 4 px: a line down the frame's edge or along the floor is not rain)")
    ap.add_argument("--object-mask-weight", type=float, default=0.0,
                    help="video: weight of the hinge on the trackers' object mask (losses.object_mask_loss): no "
                         "solid thing drawn where the picture has sky, none lost where it has one")
    ap.add_argument("--object-centroid-weight", type=float, default=0.0,
                    help="video: weight of the solid objects' centroid error in pixels (losses.object_centroid_loss): "
                         "the trackers' sub-pixel position of a ball")
    ap.add_argument("--object-colour-weight", type=float, default=0.0,
                    help="video: weight of the error of the colour the detectors read off the object mask, the mean "
                         "over an item's object pixels (losses.object_colour_loss), on the items of the families whose "
                         "detector reads it (MASK_COLOUR_FAMILIES: a glass's tint, kept on its shards; a ball's colour, "
                         "on its solid core)")
    ap.add_argument("--object-colour-families", default=",".join(MASK_COLOUR_FAMILIES), metavar="F,F",
                    help=f"video: which of {', '.join(MASK_COLOUR_FAMILIES)} the object-colour term is asked of "
                         "(session 31's first run: glass alone)")
    ap.add_argument("--colour-key-weight", type=float, default=0.0,
                    help="video: weight of the error of the part each family's tracker follows by colour (a drum's "
                         "stick tip, a face's mouth; losses.colour_key_loss on that family's clips): its keyed "
                         "centroid in pixels and key map")
    ap.add_argument("--brightness-weight", type=float, default=0.0,
                    help="video: weight of each frame's mean-luma error (losses.brightness_loss), so brightness does "
                         "not flicker from one latent to the next")
    ap.add_argument("--motion-energy-weight", type=float, default=0.0,
                    help="video: weight of the error of each frame's mean luma change from the frame before "
                         "(losses.motion_energy_loss): what the glass tracker reads; with --latents-per-item 2 or "
                         "more it includes the step from one latent to the next")
    ap.add_argument("--streak-density-weight", type=float, default=0.0,
                    help="video: weight of the log error of each frame's rain-streak density as the intensity "
                         "detector counts it (losses.streak_density_loss), so streaks stay strong enough to count")
    ap.add_argument("--latents-per-item", type=int, default=1, metavar="N",
                    help="video: each batch item is N consecutive latents' frames, so the frame-to-frame terms "
                         "(--pair-motion-weight, --motion-energy-weight, --line-stats-moving) also see the step "
                         "between latents; --batch then counts items (default 48 // N)")
    ap.add_argument("--temporal-mixing", action="store_true",
                    help="video: give the decoder temporal layers (video_codec.TemporalMix, zero at first), so "
                         "each latent is drawn knowing its neighbours and the seams between latents stop "
                         "flickering; a decoder-only change; needs --latents-per-item 3 or more. A codec that "
                         "has them keeps them")
    ap.add_argument("--comb-weight", type=float, default=0.0,
                    help="audio: weight of a loss on the part of the waveform locked to two hops "
                         "(the decoder's frame-rate comb, 125 Hz at 16 kHz; see losses.hop_comb_loss)")
    ap.add_argument("--pitch-weight", type=float, default=0.0,
                    help="audio: weight of a spectral loss at 2048/4096-sample windows, so held notes keep "
                         "their pitch between the STFT's bins (see losses.pitch_loss)")
    ap.add_argument("--audio-phase", choices=PHASE_MODES, default=None,
                    help="audio: how the decoder sets phase (default: the codec's own; 'direct' for a new one). "
                         "'integrated' lets held notes keep their pitch; a decoder-only change")
    ap.add_argument("--phase-advance-weight", type=float, default=0.0,
                    help="audio, integrated phase: teach the decoder each bin's phase turn per frame from the "
                         "target's own STFT (losses.phase_advance_loss)")
    ap.add_argument("--head-magnitude-weight", type=float, default=0.0,
                    help="audio: weight of a loss on the magnitude the decoder's head asks for, against the "
                         "target's own STFT, before the inverse STFT (losses.head_magnitude_loss)")
    ap.add_argument("--band-energy-weight", type=float, default=0.0,
                    help="audio: weight of a loss on each frequency band's dB error, weighted by the band's "
                         "share of the target's power, so loud resonant textures (rain on a tin roof) keep "
                         "their loudness (losses.band_energy_loss)")
    ap.add_argument("--fine-fft", type=int, default=None,
                    help="audio, new codec only: the encoder also reads a spectrum with this window "
                         "(e.g. 1024: 15.6 Hz bins, so it can keep a note's pitch)")
    ap.add_argument("--fine-max-hz", type=float, default=2000.0,
                    help="audio: the highest frequency of the long-window spectrum the encoder reads")
    ap.add_argument("--pitch-channels", action="store_true",
                    help="give the audio latent the tracked pitch of the voice and music stems (models/codecs/pitch.py; "
                         "integrated phase only). A codec without it grows it: its encoder stays as it is, its decoder reads "
                         "the new channels through zero weights, and unvoiced frames (all of the effects and ambience "
                         "stems) decode exactly as before")
    ap.add_argument("--decoder-only", action="store_true",
                    help="train only the decoder (the encoder, hence every latent, stays as it is)")
    ap.add_argument("--audio-upsample", choices=UPSAMPLE_MODES, default=None,
                    help="audio decoder: how it doubles time resolution ('interpolate' for a new codec; with "
                         "--init-from, the checkpoint's own unless given)")
    ap.add_argument("--latent-noise", type=float, default=None,
                    help="std of the Gaussian noise added to each latent before decoding (default: 0.03 video, "
                         "0.02 audio; latents have std ~1-2): more teaches a decoder to keep its output clean "
                         "for latents a transformer only approximates")
    ap.add_argument("--onset-flux-weight", type=float, default=0.0,
                    help="audio: weight of a loss on the onset detector's flux (how far each 4 ms window's "
                         "energy rises above the last 20 ms), so rings decay without new rises")
    ap.add_argument("--family-weights", default=None, metavar="FAMILY=W,...",
                    help="scene-family sampling weights over the world's defaults, e.g. glass=0.3,drum=0.2 "
                         "(more clips of the families the codec renders worst)")
    add_rain_prob_argument(ap)
    ap.add_argument("--stem-weights", default=None, metavar="STEM=W,...",
                    help=f"audio: how often each stem ({', '.join(STEMS)}; 1 each by default) is drawn. A "
                         "struck ball's ring lives in the effects stem, a small share of a batch's energy")
    ap.add_argument("--latent-dim", type=int, default=None,
                    help="video: numbers per latent (one transformer token per frame pair) for a new codec; "
                         f"default {VideoCodecConfig.latent_dim}. A codec trained on keeps its own")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    check_rain_prob(ap, args.rain_prob)
    if args.latent_dim is not None and (args.which != "video" or args.latent_dim < 1):
        ap.error("--latent-dim is a positive size of the video latent (--which video)")
    try:
        weights = parse_family_weights(args.family_weights)
        stems = parse_weights(args.stem_weights, dict.fromkeys(STEMS, 1.0), "--stem-weights", "STEM")
    except ValueError as e:
        ap.error(str(e))
    if stems and args.which != "audio":
        ap.error("--stem-weights draws the audio codec's stems (--which audio)")
    stem_share = np.array([stems[k] for k in STEMS]) / sum(stems.values()) if stems else None
    if args.colour_background_weight and not args.colour_weight:
        ap.error("--colour-background-weight weighs the chroma term's background: give --colour-weight too")
    colour_families = tuple(f.strip() for f in args.object_colour_families.split(",") if f.strip())
    if not colour_families or any(f not in MASK_COLOUR_FAMILIES for f in colour_families):
        ap.error(f"--object-colour-families takes some of {', '.join(MASK_COLOUR_FAMILIES)}; "
                 f"got {args.object_colour_families!r}")
    av = AVConfig()
    floor_row = int(floor_y(av))  # the trackers' scene floor: the object losses look above it
    for stream, flags in STREAM_LOSSES.items():
        for flag in flags:
            if getattr(args, flag) and args.which != stream:
                article = "an" if stream == "audio" else "a"
                ap.error(f"--{flag.replace('_', '-')} is {article} {stream} loss (--which {stream})")
    if args.pitch_channels and args.which != "audio":
        ap.error("--pitch-channels gives the audio latent a pitch side channel (--which audio)")
    if (args.line_stats_moving or args.line_stats_long_px) and not args.line_stats_weight:
        ap.error("--line-stats-moving and --line-stats-long-px extend the line statistics: give --line-stats-weight too")
    if args.latents_per_item < 1 or (args.latents_per_item > 1 and args.which != "video"):
        ap.error("--latents-per-item is a positive count of video latents per batch item (--which video)")
    if args.temporal_mixing and (args.which != "video" or args.latents_per_item < 3):
        ap.error("--temporal-mixing trains video decoder layers that look at neighbouring latents: give "
                 "--latents-per-item 3 or more (--which video)")
    if not 0 <= args.line_stats_long_px <= min(av.height, av.width) - 2:
        ap.error(f"--line-stats-long-px is a line length in pixels, 0 (off) to {min(av.height, av.width) - 2}")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"{args.which}_codec.safetensors")
    start_from = path if args.resume and os.path.exists(path) else args.init_from
    tensors, meta = load_codec_checkpoint(start_from, args.which) if start_from else ({}, {})
    if args.which == "video":
        # A codec trained on keeps the latent size it was trained with (its config says which).
        saved_dim = meta.get("config", {}).get("latent_dim")  # None for a new codec (no meta)
        if saved_dim and args.latent_dim and args.latent_dim != saved_dim:
            ap.error(f"--latent-dim {args.latent_dim}: {start_from} is a codec of {saved_dim}; a new size is a new codec")
        saved_temporal = meta.get("config", {}).get("temporal_mixing", False)
        cfg = VideoCodecConfig(height=av.height, width=av.width, temporal_mixing=args.temporal_mixing or saved_temporal,
                               latent_dim=saved_dim or args.latent_dim or VideoCodecConfig.latent_dim)
        model = VideoCodec(cfg)
        batch = args.batch or max(1, 48 // args.latents_per_item)
    if args.which == "audio":
        saved = meta.get("config", {})
        saved_upsample = saved.get("upsample", AudioCodecConfig.upsample) if start_from else NEW_CODEC_UPSAMPLE
        if start_from and args.fine_fft is not None and args.fine_fft != saved.get("fine_fft", 0):
            ap.error(f"--fine-fft {args.fine_fft}: {start_from} reads fine_fft={saved.get('fine_fft', 0)}; "
                     "another encoder input is a new codec")
        fine_fft = saved.get("fine_fft", 0) if start_from else (args.fine_fft or 0)
        fine_max_hz = saved.get("fine_max_hz", 0.0) if start_from else (args.fine_max_hz if fine_fft else 0.0)
        saved_phase = saved.get("phase", AudioCodecConfig.phase)
        saved_pitch = saved.get("pitch_channels", 0)
        cfg = AudioCodecConfig(sample_rate=av.sample_rate, n_fft=av.stft_window, hop=av.stft_hop,
                               hops_per_token=av.hops_per_token, upsample=args.audio_upsample or saved_upsample,
                               fine_fft=fine_fft, fine_max_hz=fine_max_hz, phase=args.audio_phase or saved_phase,
                               pitch_channels=PITCH_CHANNELS if args.pitch_channels else saved_pitch)
        if cfg.pitch_channels and cfg.phase != "integrated":
            ap.error("--pitch-channels steers an audio decoder with integrated phase (--audio-phase integrated)")
        model = AudioCodec(cfg)
        batch = args.batch or 12
    if args.phase_advance_weight and (args.which != "audio" or cfg.phase != "integrated"):
        ap.error("--phase-advance-weight teaches an audio decoder with integrated phase (--audio-phase integrated)")
    if args.latent_noise is not None and args.latent_noise < 0:
        ap.error("--latent-noise is a standard deviation (>= 0)")
    latent_noise = args.latent_noise if args.latent_noise is not None else LATENT_NOISE[args.which]
    step = 0
    if start_from:
        if args.which == "audio" and cfg.pitch_channels and not saved_pitch:
            fresh = load_with_new_decoder(model, with_pitch_inputs(tensors, cfg.latent_dim), start_from)
            print(f"{start_from}: pitch channels added (decoder reads them through zero weights); "
                  f"{fresh} decoder tensors start fresh")
        elif args.which == "audio" and (cfg.upsample, cfg.phase) != (saved_upsample, saved_phase):
            fresh = load_with_new_decoder(model, tensors, start_from)
            print(f"{start_from}: decoder upsampling {saved_upsample} -> {cfg.upsample}, phase {saved_phase} -> "
                  f"{cfg.phase}; {fresh} decoder tensors start fresh")
        elif args.which == "video" and cfg.temporal_mixing and not saved_temporal:
            fresh = load_with_new_decoder(model, tensors, start_from)
            print(f"{start_from}: {fresh} temporal decoder tensors added at zero")
        else:
            load_into(model, tensors, "", start_from)
        step = meta.get("step", 0)
    model.to(args.device)
    if args.decoder_only:
        if not start_from:
            raise SystemExit("--decoder-only needs a trained codec (--init-from or --resume)")
        for name in ENCODER_PARTS[args.which]:
            getattr(model, name).requires_grad_(False)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=1e-4)
    def meta_out(step):  # what a later reader needs to load it, and which data mix made it
        meta = {"kind": f"{args.which}_codec", "config": cfg.to_dict(), "step": step}
        return (meta | ({"family_weights": weights} if weights else {}) | ({"stem_weights": stems} if stems else {})
                | ({"rain_prob": args.rain_prob} if args.rain_prob is not None else {})
                | ({"latent_noise": latent_noise} if args.latent_noise is not None else {})
                | ({"latents_per_item": args.latents_per_item} if args.latents_per_item > 1 else {}))

    stream = ClipStream(av, workers=args.workers, seed=args.seed + (0 if args.which == "video" else 1),
                        weights=weights, rain_prob=args.rain_prob)
    buf = ClipBuffer(stream, args.buffer)
    log = open(os.path.join(args.out, f"{args.which}_log.jsonl"), "a")
    t_end = time.time() + args.minutes * 60
    t_save = time.time()
    t_start = time.time()
    losses = []
    stopped = None  # a RendererDied: the run saves what it has and ends with that error
    while time.time() < t_end:
        # warm-up, then cosine decay over the wall-clock budget (steps/s varies with load)
        progress = min(1.0, (time.time() - t_start) / (t_end - t_start))
        lr = args.lr * min(1.0, (step + 1) / 100) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        try:
            buf.refresh(2)
        except RendererDied as e:
            stopped = e
            break
        if args.which == "video":
            x, w, families = video_batch(buf, rng, batch, cfg.frames_per_latent, args.device,
                                         args.latents_per_item)
            with torch.set_grad_enabled(not args.decoder_only):
                z = model.encode(x)
            z = z + latent_noise * torch.randn_like(z)  # a little latent noise keeps the decoder smooth
            y = model.decode(z)
            loss = (w * (y - x) ** 2).mean() + 0.1 * (w * (y - x).abs()).mean() + 1e-4 * z.pow(2).mean()
            if args.pair_motion_weight:
                # what changes from one frame to the next inside a latent (where things move)
                wd = torch.maximum(w[:, 1:], w[:, :-1])
                motion = (y[:, 1:] - y[:, :-1]) - (x[:, 1:] - x[:, :-1])
                loss = loss + args.pair_motion_weight * (wd * motion ** 2).mean()
            if args.colour_weight:
                loss = loss + args.colour_weight * colour_loss(y, x, w, args.colour_background_weight)
            if args.line_stats_weight:
                loss = loss + args.line_stats_weight * thin_line_stats_loss(y, x, moving=args.line_stats_moving,
                                                                       long_px=args.line_stats_long_px)
            if args.object_mask_weight:
                loss = loss + args.object_mask_weight * object_mask_loss(y, x, OBJECT_THRESHOLD, floor_row)
            if args.object_centroid_weight:
                loss = loss + args.object_centroid_weight * object_centroid_loss(y, x, OBJECT_THRESHOLD, floor_row)
            if args.object_colour_weight:
                loss = loss + args.object_colour_weight * mask_colour_loss(y, x, families, floor_row,
                                                                           colour_families)
            if args.colour_key_weight:
                loss = loss + args.colour_key_weight * keyed_parts_loss(y, x, families)
            if args.brightness_weight:
                loss = loss + args.brightness_weight * brightness_loss(y, x)
            if args.motion_energy_weight:
                loss = loss + args.motion_energy_weight * motion_energy_loss(y, x)
            if args.streak_density_weight:
                loss = loss + args.streak_density_weight * streak_density_loss(y, x, floor_row)
        else:
            x, pitched = audio_batch(buf, rng, batch, 1.0, cfg.sample_rate, cfg.hop * cfg.hops_per_token,
                                     args.device, stem_share)
            with torch.set_grad_enabled(not args.decoder_only):
                z = model.encode(x, pitched)
            # noise on the learned numbers only: a tracked pitch off by the noise would be a
            # wrong note the decoder cannot tell from a right one
            noise = torch.randn_like(z)
            noise[..., cfg.latent_dim:] = 0
            z = z + latent_noise * noise
            asked, step_turn = model.head_spectrum(z)
            y = model.spectrum_to_wave(asked)
            loss = multires_stft_loss(y, x) + envelope_loss(y, x, cfg.sample_rate) + 1e-4 * z.pow(2).mean()
            if args.head_magnitude_weight:
                loss = loss + args.head_magnitude_weight * head_magnitude_loss(asked.abs(), x, cfg.n_fft, cfg.hop)
            if args.band_energy_weight:
                loss = loss + args.band_energy_weight * band_energy_loss(y, x)
            if args.onset_flux_weight:
                loss = loss + args.onset_flux_weight * onset_flux_loss(y, x, cfg.sample_rate)
            if args.phase_advance_weight:
                loss = loss + args.phase_advance_weight * phase_advance_loss(step_turn, x, cfg.n_fft, cfg.hop)
            if args.comb_weight:
                loss = loss + args.comb_weight * hop_comb_loss(y, x, 2 * cfg.hop)
            if args.pitch_weight:
                loss = loss + args.pitch_weight * pitch_loss(y, x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        losses.append(loss.item())
        if step % 50 == 0:
            rec = {"step": step, "loss": float(np.mean(losses)), "lr": lr, "fresh_clips": buf.refreshed,
                   "time": time.time()}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            losses = []
        if time.time() - t_save > 180:
            save_checkpoint(path, model.state_dict(), meta_out(step))
            t_save = time.time()
    save_checkpoint(path, model.state_dict(), meta_out(step))
    stream.close()
    print(f"saved {path} after {step} steps")
    if stopped is not None:
        raise SystemExit(f"train_codecs: {stopped}")


if __name__ == "__main__":
    main()
