"""Benchmark of the cross-modal modes (issue: "Cross-modal work in the graph").

    python scripts/benchmark_modes.py --checkpoint runs/joint/talkie.safetensors --clips 8 \\
        --out modes.json --markdown modes.md [--steps 12] [--threads 2] [--extend-seconds 60]

On held-out rendered Foley-world clips (seeds < 1,000,000; ball family without rain, so the
effects stem is the impacts alone), each mode is run the way the graph runs it (editing.encode_media
hold modes + the sampler's keep masks) and scored with the project's sync numbers (pooled over
clips as evaluation/aggregate does: median |offset|, share inside [-15, +45] ms, event F1):

- text->AV: the caption alone; tracker vs onsets on the generated clip.
- image->AV: the clip's first frame held ("keep first frame"); the same sync, plus whether the
  ball keeps the given image's colour (detector on the whole clip and on its last second).
- video->audio: the rendered video held ("keep all"); the ground-truth contact times (and the
  tracker on the rendered frames) vs the generated effects onsets.
- audio->video: the rendered mix held in the effects stem ("keep all"); contacts tracked on the
  generated video vs the rendered audio's ground-truth onsets (and its detected onsets).
  Bonus, face family: the voice held, mouth openings vs voice onsets and the lip-sync lag.
- extension: a rain clip and a ball clip from their captions, extended by --extend-seconds
  (models/extension.extend): ambience RMS drift over consecutive model-length windows (and,
  as its yardstick, the same drift of the rain scene rendered by the world at that length), ball
  sync over the whole length with events per window, compute seconds per generated second
  of every extension window (each window generates window - overlap new seconds).

Every number in the JSON is finite, or None with its reason under the same dict's
"none_reasons"."""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import statistics
import sys
import time

import numpy as np
import torch

from talkie.models.config import STEMS
from talkie.models.editing import encode_media, stems_from_audio
from talkie.models.evaluation import ClipData, sync_eval
from talkie.models.evaluation.detectors import ball_colours, expected_attributes
from talkie.models.evaluation.sync_eval import BALL_ONSETS, ball_contacts
from talkie.models.extension import extend
from talkie.models.metrics import sync_report
from talkie.models.pipeline import GeneratedClip, Generator, SamplingSettings, make_noise, token_times
from talkie.models.sampler import sample
from talkie.models.training.data import TRAIN_SEED_BASE
from talkie.models.world import render_clip, render_scene

WINDOW_MS = (-15.0, 45.0)
TARGET = {"median_abs_offset_ms": 10.0, "share_in_window": 0.95, "f1": 0.95}  # ball, as text->AV
AMBIENCE_TARGET_DB = 1.0
OVERLAP_S = 1.0  # extension overlap (extend()'s default, as the graph's node uses it)
MODES = ("text->AV", "image->AV", "video->audio", "audio->video", "audio->video (face)", "extension")


# --- numbers: finite, or None with a reason ---------------------------------------------------

def put(d: dict, key: str, value, reason: str) -> None:
    """d[key] = value when it is a finite number (or not a number), else None + reason."""
    if value is None or (isinstance(value, (float, np.floating)) and not np.isfinite(value)):
        d[key] = None
        d.setdefault("none_reasons", {})[key] = reason
    else:
        d[key] = float(value) if isinstance(value, (float, np.floating)) else value


def clean(x, reasons: dict | None = None):
    """JSON-ready copy: numpy -> python, non-finite / None numbers -> None with a reason."""
    if isinstance(x, dict):
        out: dict = {}
        given = x.get("none_reasons", {})
        for k, v in x.items():
            if k == "none_reasons":
                out.setdefault(k, {}).update(v)
            elif v is None or (isinstance(v, (float, np.floating)) and not np.isfinite(v)):
                put(out, k, None, given.get(k) or (reasons or {}).get(k, "not measurable on this clip"))
            else:
                out[k] = clean(v, reasons)
        return out
    if isinstance(x, (list, tuple)):
        return [clean(v, reasons) for v in x]
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x)
    return x


SYNC_REASONS = {"median_offset_ms": "no visual event paired with an audio onset",
                "lipsync_lag_ms": "no mouth seen in the picture"}


# --- sync helpers --------------------------------------------------------------------------------

def summary(rep) -> dict:
    """A SyncReport as the per-clip dict sync_eval returns (what pool() reads)."""
    return clean({"offsets_ms": [float(o) for o in rep.offsets_ms], "n_visual": rep.n_visual,
                  "n_audio": rep.n_audio, "n_pairs": rep.n_pairs,
                  "n_matched": int(round(rep.recall * rep.n_visual)) if rep.n_visual else 0,
                  "precision": rep.precision, "recall": rep.recall, "f1": rep.f1,
                  "median_offset_ms": rep.median_offset_ms, "share_in_window": rep.share_in_window},
                 SYNC_REASONS)


def pool(syncs: list[dict], target: bool = True) -> dict:
    """Per-clip sync dicts -> pooled numbers (evaluation/aggregate's definitions), checked
    against the ball target when `target`."""
    offs = np.array([o for s in syncs for o in s.get("offsets_ms", [])], np.float64)
    matched = sum(s.get("n_matched", 0) for s in syncs)
    n_a, n_v = sum(s.get("n_audio", 0) for s in syncs), sum(s.get("n_visual", 0) for s in syncs)
    out: dict = {"n_clips": len(syncs), "n_visual": n_v, "n_audio": n_a, "n_pairs": int(len(offs))}
    none = "no visual event paired with an audio onset in any clip"
    put(out, "median_abs_offset_ms", float(np.median(np.abs(offs))) if len(offs) else None, none)
    put(out, "median_offset_ms", float(np.median(offs)) if len(offs) else None, none)
    put(out, "share_in_window", float(np.mean((offs >= WINDOW_MS[0]) & (offs <= WINDOW_MS[1])))
        if len(offs) else None, none)
    p, r = (matched / n_a if n_a else None), (matched / n_v if n_v else None)
    put(out, "precision", p, "no audio onsets detected")
    put(out, "recall", r, "no visual events detected")
    f1 = None if p is None or r is None else (2 * p * r / (p + r) if p + r > 0 else 0.0)
    put(out, "f1", f1, "no events on one side")
    lags = [s["lipsync_lag_ms"] for s in syncs if s.get("lipsync_lag_ms") is not None]
    if any("lipsync_lag_ms" in s or "lipsync_lag_ms" in s.get("none_reasons", {}) for s in syncs):
        put(out, "lipsync_lag_ms", float(np.median(lags)) if lags else None, "no mouth seen in any clip")
    if target:
        vals = [out[k] for k in TARGET]
        out["meets_target"] = None if None in vals else bool(
            vals[0] <= TARGET["median_abs_offset_ms"] and vals[1] >= TARGET["share_in_window"]
            and vals[2] >= TARGET["f1"])
        if out["meets_target"] is None:
            out.setdefault("none_reasons", {})["meets_target"] = "a target number is not measurable"
    return out


def impact_times(clip, audio: bool = False) -> np.ndarray:
    """Ground truth: when each paired event is seen (or heard, audio=True)."""
    return np.array([e.audio_time if audio else e.time for e in clip.events if e.paired], np.float64)


# --- generation ----------------------------------------------------------------------------------

class Bench:
    """The loaded model, the clip config (the checkpoint's own window) and the settings."""

    def __init__(self, checkpoint: str, steps: int | None):
        self.gen = Generator.from_checkpoint(checkpoint)
        m = self.gen.model
        self.cfg = m.clip_config(m.av.seconds)
        self.settings = SamplingSettings() if steps is None else SamplingSettings(steps=steps)

    def world(self, seed: int, family: str):
        return render_clip(seed, self.cfg, family=family, split="heldout", rain=False)

    @torch.no_grad()
    def generate(self, prompt: str, seed: int, frames=None, stems=None, video_mode="regenerate",
                 audio_mode="regenerate") -> tuple[GeneratedClip, float]:
        """What the graph does: encode the given media, sample with its keep masks, decode."""
        m, cfg, s = self.gen.model, self.cfg, self.settings
        t0 = time.perf_counter()
        enc = encode_media(m, cfg, frames, stems, video_mode, audio_mode)
        held = bool(enc.keep_v.any() or enc.keep_a.any())
        nv, na = make_noise(m, cfg, 1, seed)
        tv, ta = token_times(cfg, 1)
        zv, za = sample(m.joint, nv, na, tv, ta, self.gen.conditioning(prompt), steps=s.steps, method=s.method,
                        shift=s.shift, guidance=s.guidance, init_v=enc.video if held else None,
                        init_a=enc.audio if held else None, keep_v=enc.keep_v, keep_a=enc.keep_a)
        out = GeneratedClip(m.decode_video(zv, cfg), m.decode_audio(za, cfg), cfg.sample_rate, cfg.fps)
        return out, time.perf_counter() - t0


def frames_of(clip, n: int | None = None) -> torch.Tensor:
    return torch.from_numpy(clip.frames[:n]).float() / 255.0


def stems_of(gen: GeneratedClip) -> dict:
    st = gen.stems[0].float().numpy()
    return {k: st[i] for i, k in enumerate(STEMS)}


# --- the modes: what each holds, and how its result is scored ------------------------------------
# Scorers take the clip config, the rendered clip and a GeneratedClip, so they can be checked on
# the rendered clip itself (a perfect generator), where they must meet the target.

def held_inputs(mode: str, cfg, clip) -> dict:
    """Bench.generate's keyword arguments for `mode`: the media held and how."""
    if mode == "image->AV":
        return {"frames": frames_of(clip, 1), "video_mode": "keep first frame"}
    if mode == "video->audio":
        return {"frames": frames_of(clip), "video_mode": "keep all"}
    if mode.startswith("audio->video"):
        stem = "voice" if mode.endswith("(face)") else "effects"
        mix = torch.from_numpy(clip.mix)[None]
        return {"stems": stems_from_audio(mix, cfg.sample_rate, cfg, stem), "audio_mode": "keep all"}
    return {}


def score_text_to_av(cfg, clip, out: GeneratedClip) -> dict:
    return {"sync": clean(sync_eval(ClipData.from_generated(out), "ball", clip.scene), SYNC_REASONS)}


def score_image_to_av(cfg, clip, out: GeneratedClip) -> dict:
    c = ClipData.from_generated(out)
    count = clip.scene["count"]
    last = ClipData(c.frames[-int(round(c.fps)):], {}, c.fps, c.sr)
    given = ClipData(clip.frames[:1], {}, c.fps, c.sr)
    want = expected_attributes(clip.scene)["colour"]
    rec = {"sync": clean(sync_eval(c, "ball", clip.scene), SYNC_REASONS), "colour_expected": want}
    # the detector on the given image itself: a miss there is the detector's, not the model's
    for key, data in (("colour_given_image", given), ("colour_generated", c), ("colour_generated_last_1s", last)):
        put(rec, key, ball_colours(data, count), "no ball-like blob found")
    rec["colour_kept"] = rec["colour_generated"] == want
    rec["colour_kept_last_1s"] = rec["colour_generated_last_1s"] == want
    return rec


def score_video_to_audio(cfg, clip, out: GeneratedClip) -> dict:
    c = ClipData(clip.frames, stems_of(out), cfg.fps, cfg.sample_rate)  # rendered picture, generated sound
    gt = sync_report(c.frames, c.audio("effects"), c.fps, c.sr, visual_events=impact_times(clip),
                     audio_onsets=c.onsets("effects", **BALL_ONSETS))
    return {"sync": summary(gt), "sync_tracker": clean(sync_eval(c, "ball", clip.scene), SYNC_REASONS)}


def score_audio_to_video(cfg, clip, out: GeneratedClip) -> dict:
    c = ClipData(out.frames[0], clip.stems, cfg.fps, cfg.sample_rate)  # generated picture, rendered sound
    gt = sync_report(c.frames, c.audio("effects"), c.fps, c.sr,
                     visual_events=ball_contacts(c, clip.scene["count"]), audio_onsets=impact_times(clip, True))
    return {"sync": summary(gt), "sync_detected_onsets": clean(sync_eval(c, "ball", clip.scene), SYNC_REASONS)}


def score_face(cfg, clip, out: GeneratedClip) -> dict:
    c = ClipData(out.frames[0], clip.stems, cfg.fps, cfg.sample_rate)
    return {"sync": clean(sync_eval(c, "face", clip.scene), SYNC_REASONS)}


# --- extension -----------------------------------------------------------------------------------

def window_rms_db(x: np.ndarray, n: int) -> list[float]:
    """RMS in dB of each whole consecutive n-sample window."""
    return [20 * math.log10(max(float(np.sqrt(np.mean(np.square(x[i:i + n])))), 1e-9))
            for i in range(0, len(x) - n + 1, n)]


def extended(b: Bench, prompt: str, seed: int, seconds: float) -> tuple[ClipData, dict]:
    """A window from the prompt, then `seconds` more by extension; per-window compute."""
    m, s = b.gen.model, b.settings
    first, t_first = b.generate(prompt, seed)
    ticks = [time.perf_counter()]
    f, st = extend(m, b.gen.conditioning(prompt), first.frames[0], first.stems[0], b.cfg.fps, seconds,
                   overlap_seconds=OVERLAP_S, seed=seed + 1, steps=s.steps, method=s.method, shift=s.shift,
                   guidance=s.guidance, on_window=lambda i, n: ticks.append(time.perf_counter()))
    fpl = b.cfg.frames_per_latent  # new frames per window, rounded to whole tokens as extend() does
    win = int(round(m.av.seconds * b.cfg.fps / fpl)) * fpl
    new_s = (win - int(round(OVERLAP_S * b.cfg.fps / fpl)) * fpl) / b.cfg.fps
    per_s = [(t1 - t0) / new_s for t0, t1 in zip(ticks, ticks[1:])]
    t: dict = {"first_window_s_per_s": t_first / b.cfg.seconds_exact, "windows": len(per_s),
               "new_seconds_per_window": new_s, "window_s_per_generated_s": per_s}
    put(t, "first", per_s[0] if per_s else None, "no extension window")
    put(t, "last", per_s[-1] if per_s else None, "no extension window")
    put(t, "median", statistics.median(per_s) if per_s else None, "no extension window")
    put(t, "last_over_first", per_s[-1] / per_s[0] if per_s else None, "no extension window")
    st = st.float().numpy()
    return ClipData(f, {k: st[i] for i, k in enumerate(STEMS)}, b.cfg.fps, b.cfg.sample_rate), t


def world_ambience_drift(cfg, scene: dict, win: float, seed: int, renders: int = 5) -> list[float]:
    """The same scene rendered by the world itself at `cfg`'s (the extended) length: how much
    its own ambience level moves between windows (rain is random drops, so a real recording
    moves too) — the yardstick for the generated drift, not a replacement for the target."""
    out = []
    for k in range(renders):
        clip = render_scene(scene, cfg, np.random.default_rng([seed, k, 0xD21F]))
        levels = window_rms_db(clip.stems["ambience"], int(round(win * cfg.sample_rate)))
        out.append(max(levels) - min(levels))
    return out


def extension(b: Bench, seed: int, seconds: float) -> dict:
    rain, ball = b.world(seed, "rain"), b.world(seed, "ball")
    win = b.cfg.seconds_exact
    rc, rt = extended(b, rain.caption, seed, seconds)
    levels = window_rms_db(rc.audio("ambience"), int(round(win * rc.sr)))
    r: dict = {"caption": rain.caption, "seconds": rc.seconds, "window_s": win, "ambience_rms_db": levels,
               "timing": rt}
    put(r, "ambience_drift_db", max(levels) - min(levels) if len(levels) > 1 else None,
        "fewer than two whole windows to compare")
    r["meets_target"] = None if r["ambience_drift_db"] is None else r["ambience_drift_db"] <= AMBIENCE_TARGET_DB
    r["world_drift_db"] = world_ambience_drift(b.gen.model.clip_config(rc.seconds), rain.scene, win, seed)
    r["world_drift_median_db"] = statistics.median(r["world_drift_db"])
    if r["meets_target"] is None:
        r["none_reasons"]["meets_target"] = "drift not measurable"

    bc, bt = extended(b, ball.caption, seed, seconds)
    v = ball_contacts(bc, ball.scene["count"])
    rep = sync_report(bc.frames, bc.audio("effects"), bc.fps, bc.sr, visual_events=v,
                      audio_onsets=bc.onsets("effects", **BALL_ONSETS))
    per_window = []
    for k in range(int(math.ceil(bc.seconds / win - 1e-9))):
        lo, hi = k * win, (k + 1) * win
        inside = lambda ts: int(np.sum((np.asarray(ts) >= lo) & (np.asarray(ts) < hi)))  # noqa: E731
        per_window.append({"start_s": lo, "visual": inside(rep.visual_times), "audio": inside(rep.audio_times),
                           "pairs": inside([p.t_video for p in rep.pairs])})
    bl = {"caption": ball.caption, "seconds": bc.seconds, "sync": pool([summary(rep)], target=False),
          "events_per_window": per_window, "timing": bt}
    return {"seed": seed, "rain": r, "ball": bl}


# --- the run -------------------------------------------------------------------------------------

SCORERS = {"text->AV": score_text_to_av, "image->AV": score_image_to_av, "video->audio": score_video_to_audio,
           "audio->video": score_audio_to_video, "audio->video (face)": score_face}


def machine(threads: int) -> dict:
    cpu = "unknown CPU"
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "threads": threads,
            "python": platform.python_version(), "os": f"{platform.system()} {platform.release()}"}


def run(checkpoint: str, clips: int, steps: int | None = None, extend_seconds: float = 60.0, seed_start: int = 0,
        modes=MODES, progress=None) -> dict:
    if seed_start < 0 or seed_start + clips > TRAIN_SEED_BASE:
        raise ValueError(f"seeds must lie in [0, {TRAIN_SEED_BASE}) (held out from training)")
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        raise ValueError(f"unknown modes {unknown}; known: {list(MODES)}")
    b = Bench(checkpoint, steps)
    result: dict = {"config": {"checkpoint": checkpoint, "clips": clips, "steps": b.settings.steps,
                               "method": b.settings.method, "seed_start": seed_start, "split": "heldout",
                               "seconds": b.cfg.seconds_exact, "fps": b.cfg.fps, "width": b.cfg.width,
                               "height": b.cfg.height, "extend_seconds": extend_seconds,
                               "window_ms": list(WINDOW_MS), "target": TARGET,
                               # which training state was measured (the file may be rewritten later)
                               "trained": {k: v for k, v in getattr(b.gen.model, "checkpoint_meta", {}).items()
                                           if k in ("step", "trained_hours", "clips_seen")}},
                    "modes": {}}
    for mode in (m for m in MODES if m in modes and m != "extension"):
        fam = "face" if mode.endswith("(face)") else "ball"
        records = []
        for seed in range(seed_start, seed_start + clips):
            clip = b.world(seed, fam)
            out, dt = b.generate(clip.caption, seed, **held_inputs(mode, b.cfg, clip))
            rec = {"seed": seed, "caption": clip.caption, "generation_s": dt, **SCORERS[mode](b.cfg, clip, out)}
            records.append(rec)
            if progress:
                progress(mode, rec)
        summ = pool([r["sync"] for r in records], target=fam == "ball")
        summ["mean_generation_s"] = float(np.mean([r["generation_s"] for r in records]))
        for extra in ("sync_tracker", "sync_detected_onsets"):
            if extra in records[0]:
                summ[extra] = pool([r[extra] for r in records], target=False)
        if mode == "image->AV":
            summ["colour_kept"] = float(np.mean([r["colour_kept"] for r in records]))
            summ["colour_kept_last_1s"] = float(np.mean([r["colour_kept_last_1s"] for r in records]))
            summ["colour_read_on_given_image"] = float(np.mean([r["colour_given_image"] == r["colour_expected"]
                                                                for r in records]))
        result["modes"][mode] = {"family": fam, "summary": summ, "clips": records}
    if "extension" in modes:
        result["extension"] = extension(b, seed_start, extend_seconds)
        if progress:
            progress("extension", result["extension"])
    return result


# --- markdown ------------------------------------------------------------------------------------

def _f(v, fmt="{:.1f}", pct=False):
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return f"{100 * v:.0f}%" if pct else fmt.format(v)


def markdown(result: dict) -> str:
    cfg, mc = result["config"], result["machine"]
    trained = ", ".join(f"{k} {v}" for k, v in cfg.get("trained", {}).items())
    trained = f" ({trained})" if trained else ""
    lines = [f"Cross-modal modes on `{cfg['checkpoint']}`{trained}: {cfg['clips']} held-out clip(s) per mode "
             f"(seeds {cfg['seed_start']}..), {cfg['seconds']:g} s at {cfg['fps']:g} fps, {cfg['steps']} "
             f"{cfg['method']} steps. Ball target: median |offset| ≤ {TARGET['median_abs_offset_ms']:g} ms, "
             f"≥ {100 * TARGET['share_in_window']:.0f}% inside [-15, +45] ms, F1 ≥ {TARGET['f1']:.2f}.", "",
             "| mode | sync measured between | clips | median \\|offset\\| ms | median offset ms | "
             "in [-15,+45] ms | event F1 | other | target met | s per clip |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    what = {"text->AV": "generated video (tracker) / generated audio",
            "image->AV": "generated video (tracker) / generated audio",
            "video->audio": "rendered video (true contacts) / generated audio",
            "audio->video": "generated video (tracker) / rendered audio (true onsets)",
            "audio->video (face)": "generated mouth openings / rendered voice onsets"}
    for mode, m in result["modes"].items():
        s = m["summary"]
        other = ""
        if mode == "image->AV":
            other = (f"colour kept {_f(s['colour_kept'], pct=True)} (last 1 s {_f(s['colour_kept_last_1s'], pct=True)};"
                     f" read on the given image {_f(s['colour_read_on_given_image'], pct=True)})")
        elif "sync_tracker" in s:
            other = f"tracker on rendered video: \\|offset\\| {_f(s['sync_tracker']['median_abs_offset_ms'])} ms, " \
                    f"F1 {_f(s['sync_tracker']['f1'], '{:.2f}')}"
        elif "sync_detected_onsets" in s:
            d = s["sync_detected_onsets"]
            other = f"detected onsets: \\|offset\\| {_f(d['median_abs_offset_ms'])} ms, F1 {_f(d['f1'], '{:.2f}')}"
        elif "lipsync_lag_ms" in s:
            other = f"lip-sync lag {_f(s['lipsync_lag_ms'])} ms"
        lines.append(f"| {mode} | {what[mode]} | {s['n_clips']} | {_f(s['median_abs_offset_ms'])} | "
                     f"{_f(s['median_offset_ms'], '{:+.1f}')} | {_f(s['share_in_window'], pct=True)} | "
                     f"{_f(s['f1'], '{:.2f}')} | {other} | {_f(s.get('meets_target'))} | "
                     f"{s['mean_generation_s']:.1f} |")
    ext = result.get("extension")
    if ext:
        r, bl = ext["rain"], ext["ball"]
        lines += ["", f"Extension to {r['seconds']:g} s ({cfg['extend_seconds']:g} s added, window "
                      f"{r['window_s']:g} s, overlap {OVERLAP_S:g} s; seed {ext['seed']}):", "",
                  "| clip | measure | value |", "|---|---|---|",
                  f"| rain: {r['caption']} | ambience RMS drift over {r['window_s']:g} s windows (target ≤ "
                  f"{AMBIENCE_TARGET_DB:g} dB) | {_f(r['ambience_drift_db'], '{:.2f}')} dB "
                  f"({len(r['ambience_rms_db'])} windows; target met: {_f(r['meets_target'])}) |",
                  f"| rain, rendered by the world at {r['seconds']:g} s | the same drift of the world's own "
                  f"sound, {len(r['world_drift_db'])} renders (median; min–max) | "
                  f"{r['world_drift_median_db']:.2f} dB ({min(r['world_drift_db']):.2f}–"
                  f"{max(r['world_drift_db']):.2f}) |",
                  f"| ball: {bl['caption']} | sync over the whole length | \\|offset\\| "
                  f"{_f(bl['sync']['median_abs_offset_ms'])} ms, {_f(bl['sync']['share_in_window'], pct=True)} "
                  f"in window, F1 {_f(bl['sync']['f1'], '{:.2f}')} |",
                  "| ball | events per window (visual/audio/paired) | "
                  + ", ".join(f"{w['visual']}/{w['audio']}/{w['pairs']}" for w in bl["events_per_window"]) + " |"]
        for name, t in (("rain", r["timing"]), ("ball", bl["timing"])):
            lines.append(f"| {name} | compute s per generated s: first window "
                         f"{_f(t['first_window_s_per_s'], '{:.2f}')}; "
                         f"extension windows first/median/last {_f(t['first'], '{:.2f}')}/"
                         f"{_f(t['median'], '{:.2f}')}/{_f(t['last'], '{:.2f}')} ({t['windows']} windows) | "
                         f"last/first {_f(t['last_over_first'], '{:.2f}')} |")
    lines += ["", f"Machine: {mc['cpu']}, {mc['cores']} cores, torch {mc['torch']}, {mc['threads']} thread(s), "
                  f"Python {mc['python']}, {mc['os']}.", "", f"Command: `{result['command']}`"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python scripts/benchmark_modes.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--clips", type=int, default=8, help="held-out clips per mode")
    p.add_argument("--steps", type=int, default=None, help="sampling steps (default: SamplingSettings)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--extend-seconds", type=float, default=60.0, help="seconds the extension adds")
    p.add_argument("--seed-start", type=int, default=0)
    p.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES, metavar="MODE",
                   help=f"default: all ({', '.join(MODES)})")
    p.add_argument("--out", required=True, help="results JSON")
    p.add_argument("--markdown", default=None, help="also write the markdown table here")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)

    def progress(mode, rec):
        if not a.quiet:
            f1 = rec.get("sync", {}).get("f1")
            print(f"{mode:20s} seed {rec['seed']}" + (f"  F1 {f1:.2f}" if f1 is not None else ""), flush=True)

    result = run(a.checkpoint, a.clips, a.steps, a.extend_seconds, a.seed_start, a.modes, progress)
    result["machine"] = machine(torch.get_num_threads())
    result["command"] = " ".join(shlex.quote(x) for x in ["python", "scripts/benchmark_modes.py",
                                                          *(sys.argv[1:] if argv is None else argv)])
    result = clean(result)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1, allow_nan=False)
    md = markdown(result)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(md)
    if not a.quiet:
        print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
