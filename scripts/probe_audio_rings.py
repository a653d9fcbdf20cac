"""What a checkpoint's audio codec does to ringing sounds (a struck ball's resonance).

    python scripts/probe_audio_rings.py [--checkpoint checkpoints/talkie-s.safetensors]
        [--audio-codec runs/x/audio_codec.safetensors] [--clips 60]

tones: a decaying sine (120 ms decay, after a 2.5 ms noise click like the world's impacts) at
    each frequency, through the codec alone. Reported: the strongest peak 5-85 ms after the
    onset (the window the material detector reads), the ring's RMS after / before, and the
    magnitude the decoder's head asks for at the tone's STFT bin 100 ms in, against the
    rendered magnitude (a small ask means the decoder is not told the ring, whatever its phase).
balls: held-out ball clips per material, audio through the codec; the material the
    evaluation's detector reads from the round trip, and the median impact peak it reads it from.
latent: what the effects latent says about the material at each impact (3 tokens from the
    onset's), read by nearest centroid: centroids from the even clips, read on the odd ones.
tone latents: whether the latent tells a ring's frequency at all: decaying tones every 100 Hz
    (three random starting phases each), each read as the frequency of its nearest other
    latent (4 tokens from the onset's).

`--audio-codec` puts a codec file's decoder under the checkpoint's encoder (as
`swap_decoders` does); a codec with another encoder is refused.
"""
from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
import torch
import torch.nn.functional as F

from talkie.models.av_model import TalkieModel
from talkie.models.checkpoint import load_checkpoint
from talkie.models.config import STEMS
from talkie.models.evaluation.audio_features import peak_frequency
from talkie.models.evaluation.detectors import impact_peak_hz, material
from talkie.models.evaluation.evaluate import codec_round_trip
from talkie.models.training.swap_decoders import swap_decoder
from talkie.models.world import render_clip

TONES_HZ = (150, 400, 800, 1250, 2000, 2600, 3500)
RING_S = (0.005, 0.085)


def decaying_tone(n: int, sr: int, onset: float, hz: float, rng, phase: float = 0.0) -> np.ndarray:
    """n samples: silence, then at `onset` a sine at `hz` decaying over 120 ms, after a 2.5 ms
    noise click like the world's impacts."""
    t = np.arange(n) / sr
    after = t >= onset
    x = np.zeros(n, np.float32)
    x[after] = 0.5 * np.sin(2 * np.pi * hz * (t[after] - onset) + phase) * np.exp(-(t[after] - onset) / 0.12)
    click = int(0.0025 * sr)
    x[int(onset * sr):int(onset * sr) + click] += 0.3 * rng.standard_normal(click)
    return x


def ring(x: np.ndarray, sr: int, onset: float) -> np.ndarray:
    return x[int((onset + RING_S[0]) * sr):int((onset + RING_S[1]) * sr)]


def round_trip(model: TalkieModel, stems: torch.Tensor, cfg) -> np.ndarray:
    """stems [S, N] -> the effects stem after encode + decode."""
    with torch.no_grad():
        return model.decode_audio(model.encode_audio(stems[None], cfg), cfg)[0, 0].numpy()


def asked_magnitude(model: TalkieModel, x: np.ndarray, hz: float, at_s: float) -> tuple[float, float]:
    """(the decoder head's magnitude, the rendered STFT magnitude) at `hz`'s bin, `at_s` in."""
    codec, c = model.audio_codec, model.audio_codec.cfg
    wave = torch.from_numpy(x)[None]
    with torch.no_grad():
        asked = codec.head_spectrum(codec.encode(wave))[0][0].abs()
        rendered = codec.spectrum_features(wave)[0].exp() - 1e-4  # the encoder's own STFT, log(|X| + 1e-4)
    k, frame = int(round(hz * c.n_fft / c.sample_rate)), int(at_s * c.sample_rate / c.hop)
    return float(asked[k, frame]), float(rendered[k, frame])


def tone_rows(model: TalkieModel, cfg, rng) -> list[str]:
    sr, n = cfg.sample_rate, cfg.num_samples
    onset = 0.5
    rows = []
    for hz in TONES_HZ:
        x = decaying_tone(n, sr, onset, hz, rng)
        stems = torch.zeros(len(STEMS), n)
        stems[0] = torch.from_numpy(x)
        y = round_trip(model, stems, cfg)
        peak = peak_frequency(ring(y, sr, onset), sr, fmin=50.0)
        ratio = ring(y, sr, onset).std() / ring(x, sr, onset).std()
        asked, rendered = asked_magnitude(model, x, hz, onset + 0.1)
        rows.append(f"| {hz} Hz | {peak or 0:.0f} Hz | {ratio:.2f} | {asked:.2f} / {rendered:.2f} |")
    return rows


def ball_rows(model: TalkieModel, cfg, clips: int) -> list[str]:
    read, peaks = defaultdict(list), defaultdict(list)
    for seed in range(clips):
        clip = render_clip(seed, cfg, family="ball", split="heldout")
        heard = codec_round_trip(model, clip, cfg, "audio")
        mat = clip.scene["material"]
        read[mat].append(material(heard))
        peaks[mat].append(impact_peak_hz(heard) or 0.0)
    rows = []
    for mat in sorted(read):
        got = read[mat]
        others = sorted({g for g in got if g != mat}, key=str)
        rows.append(f"| {mat} | {sum(g == mat for g in got)} / {len(got)} | {np.median(peaks[mat]):.0f} Hz | "
                    f"{', '.join(map(str, others)) or '–'} |")
    return rows


def latent_rows(model: TalkieModel, cfg, clips: int) -> list[str]:
    spt = model.audio_codec.cfg.hop * model.audio_codec.cfg.hops_per_token
    feats, labels, halves = [], [], []
    for seed in range(clips):
        clip = render_clip(seed, cfg, family="ball", split="heldout", rain=False)
        wave = torch.from_numpy(clip.stems["effects"])[None]
        with torch.no_grad():
            z = model.audio_codec.encode(F.pad(wave, (0, cfg.padded_samples - wave.shape[-1])))[0]
        for e in clip.events:
            k = int(e.audio_time * cfg.sample_rate // spt)
            if e.kind == "impact" and k + 3 <= len(z):
                feats.append(z[k:k + 3].flatten().numpy())
                labels.append(clip.scene["material"])
                halves.append(seed % 2)
    feats, labels, halves = np.array(feats), np.array(labels), np.array(halves)
    names = sorted(set(labels))
    centre = np.stack([feats[(halves == 0) & (labels == m)].mean(0) for m in names])
    read = feats[halves == 1]
    said = np.array(names)[np.argmin(((read[:, None] - centre[None]) ** 2).sum(-1), 1)]
    truth = labels[halves == 1]
    return [f"| {m} | {np.mean(said[truth == m] == m):.0%} of {int(np.sum(truth == m))} |" for m in names]


def tone_latent_rows(model: TalkieModel, cfg, rng) -> list[str]:
    codec = model.audio_codec
    sr, spt, n = cfg.sample_rate, codec.cfg.hop * codec.cfg.hops_per_token, cfg.padded_samples
    onset = 0.5
    feats, hz = [], []
    for _ in range(3):
        for f in range(200, 3600, 100):
            x = decaying_tone(n, sr, onset, f, rng, phase=rng.uniform(0, 2 * np.pi))
            with torch.no_grad():
                z = codec.encode(torch.from_numpy(x)[None])[0]
            k = int(onset * sr) // spt
            feats.append(z[k:k + 4].flatten().numpy())
            hz.append(f)
    feats, hz = np.array(feats), np.array(hz)
    dist = ((feats[:, None] - feats[None]) ** 2).sum(-1)
    np.fill_diagonal(dist, np.inf)
    err = np.abs(hz[dist.argmin(1)] - hz)
    return [f"| {lo}-{hi} Hz | {np.median(err[(hz >= lo) & (hz < hi)]):.0f} Hz | "
            f"{np.mean(err[(hz >= lo) & (hz < hi)] <= 100):.0%} |"
            for lo, hi in ((200, 800), (800, 1600), (1600, 3600))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default="checkpoints/talkie-s.safetensors")
    ap.add_argument("--audio-codec", default=None, help="a codec file whose decoder replaces the checkpoint's")
    ap.add_argument("--clips", type=int, default=60, help="held-out ball clips")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = TalkieModel.load(args.checkpoint).eval()
    source = args.checkpoint
    if args.audio_codec:
        tensors, meta = load_checkpoint(args.audio_codec)
        swap_decoder(model, "audio", tensors, args.audio_codec, config=meta.get("config"))
        source += f" with the audio decoder of {args.audio_codec} (codec step {meta.get('step')})"
    model.eval()
    cfg = model.clip_config(4.0)
    print(f"# Audio codec rings: {source}\n")
    print("| decaying tone | peak after the round trip | ring RMS after / before | decoder asks / rendered magnitude |\n"
          "|---|---|---|---|")
    print("\n".join(tone_rows(model, cfg, np.random.default_rng(0))))
    print(f"\n{args.clips} held-out ball clips, effects stem through the codec:\n")
    print("| material | read right | median impact peak | read instead |\n|---|---|---|---|")
    print("\n".join(ball_rows(model, cfg, args.clips)))
    print(f"\nThe effects latent at each impact (no rain), material by nearest centroid, {args.clips} clips:\n")
    print("| material | read right |\n|---|---|")
    print("\n".join(latent_rows(model, cfg, args.clips)))
    print("\nDecaying tones every 100 Hz, 3 starting phases each: the frequency of the nearest other tone's latent:\n")
    print("| tones | median error | within 100 Hz |\n|---|---|---|")
    print("\n".join(tone_latent_rows(model, cfg, np.random.default_rng(1))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
