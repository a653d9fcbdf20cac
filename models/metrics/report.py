"""One-call A/V sync report and its picture (PIL only, for an IMAGE output).

`sync_report` detects audio onsets and visual events (unless given), pairs them
(`pairing.pair_events`) and summarises the offsets delta = t_audio - t_video
(positive = audio late): median, MAD, IQR, the share inside the ATSC-style
[-15, +45] ms window, and event precision / recall / F1.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .lipsync import lipsync_lag
from .onsets import REFRACTORY_S, detect_onsets, envelope
from .pairing import Pair, at_resolution, pair_events, pairing_scores
from .visual_events import (brightness_curve, contact_times, generic_curve, motion_curve,
                            pick_peaks)

GOOD_WINDOW_MS = (-15.0, 45.0)

_VISUAL_CURVES = {"generic": generic_curve, "brightness": brightness_curve, "motion": motion_curve}


@dataclass
class SyncReport:
    median_offset_ms: float
    mad_ms: float
    iqr_ms: float
    q25_ms: float
    q75_ms: float
    share_in_window: float
    precision: float
    recall: float
    f1: float
    n_visual: int
    n_audio: int
    n_pairs: int
    pairs: list[Pair]
    visual_times: np.ndarray
    audio_times: np.ndarray
    lipsync_lag_ms: float | None = None
    window_ms: tuple[float, float] = GOOD_WINDOW_MS
    tolerance_ms: float = 45.0
    # What the plot draws; not part of the summary.
    duration_s: float = 0.0
    envelope_t: np.ndarray = field(default=None, repr=False)
    envelope_v: np.ndarray = field(default=None, repr=False)
    visual_curve: np.ndarray = field(default=None, repr=False)
    fps: float = 0.0

    @property
    def offsets_ms(self) -> np.ndarray:
        return np.array([p.offset * 1000.0 for p in self.pairs])

    def to_text(self) -> str:
        def ms(v):
            return "n/a" if v is None or not np.isfinite(v) else f"{v:+.1f} ms"
        lo, hi = self.window_ms
        lines = [
            f"A/V offset (audio - video, + = audio late): median {ms(self.median_offset_ms)}",
            f"spread: MAD {self.mad_ms:.1f} ms, IQR {self.iqr_ms:.1f} ms "
            f"[{self.q25_ms:+.1f}, {self.q75_ms:+.1f}]" if self.n_pairs else "spread: n/a",
            f"pairs inside [{lo:+.0f}, {hi:+.0f}] ms: {100 * self.share_in_window:.0f}%",
            f"events: {self.n_visual} visual, {self.n_audio} audio, {self.n_pairs} paired; "
            f"precision {self.precision:.2f}, recall {self.recall:.2f}, F1 {self.f1:.2f} "
            f"(tolerance {self.tolerance_ms:.0f} ms around the median)",
        ]
        if self.lipsync_lag_ms is not None:
            lines.append(f"lip-sync lag: {ms(self.lipsync_lag_ms)}")
        return "\n".join(lines)


def sync_report(frames, audio, fps, sample_rate: int, visual_events=None, audio_onsets=None, *,
                visual: str = "generic", search_s: float = 0.25, tolerance_s: float = 0.045,
                window_ms: tuple[float, float] = GOOD_WINDOW_MS, mouth=None,
                onset_kw: dict | None = None, visual_kw: dict | None = None) -> SyncReport:
    """Measure A/V sync of a clip.

    frames: [T, H, W, 3] uint8 / float; audio: [C, N] or [N] float.
    visual_events / audio_onsets: event times in seconds to use instead of detection.
    visual: 'generic' (max of brightness jump and motion rise), 'brightness', 'motion' or
        'contacts' (sub-frame bounce contacts of one tracked object).
    mouth: optional per-frame mouth-opening curve; adds the lip-sync lag.
    Both event lists are taken at the onset detector's time resolution (its refractory
    period, `onset_kw`'s or the default; `pairing.at_resolution`) before pairing.
    """
    fps = float(fps)
    n_frames = len(frames)
    if visual not in (*_VISUAL_CURVES, "contacts"):
        raise ValueError(f"visual must be one of {(*_VISUAL_CURVES, 'contacts')}; got {visual!r}")
    curve = _VISUAL_CURVES["generic" if visual == "contacts" else visual](frames)
    if visual_events is None:
        if visual == "contacts":
            visual_events = contact_times(frames, fps, **(visual_kw or {}))
        else:
            visual_events = pick_peaks(curve, fps, **(visual_kw or {})).times
    if audio_onsets is None:
        audio_onsets = detect_onsets(audio, sample_rate, **(onset_kw or {})).times
    resolution = (onset_kw or {}).get("refractory_s", REFRACTORY_S)
    v = at_resolution(visual_events, resolution)
    a = at_resolution(audio_onsets, resolution)

    pairs = pair_events(v, a, search_s=search_s)
    scores = pairing_scores(pairs, len(v), len(a), tolerance_s=tolerance_s)
    offs = np.array([p.offset * 1000.0 for p in pairs])
    if len(offs):
        med = float(np.median(offs))
        mad = float(np.median(np.abs(offs - med)))
        q25, q75 = (float(q) for q in np.percentile(offs, [25, 75]))
        share = float(np.mean((offs >= window_ms[0]) & (offs <= window_ms[1])))
    else:
        med = mad = q25 = q75 = float("nan")
        share = 0.0
    lip = None
    if mouth is not None:
        lip = lipsync_lag(mouth, fps, audio, sample_rate).lag_s * 1000.0
    env_t, env_v = envelope(audio, sample_rate, hop_s=0.002, win_s=0.004)
    return SyncReport(
        median_offset_ms=med, mad_ms=mad, iqr_ms=q75 - q25, q25_ms=q25, q75_ms=q75,
        share_in_window=share, precision=scores.precision, recall=scores.recall, f1=scores.f1,
        n_visual=len(v), n_audio=len(a), n_pairs=len(pairs), pairs=pairs,
        visual_times=v, audio_times=a, lipsync_lag_ms=lip, window_ms=tuple(window_ms),
        tolerance_ms=tolerance_s * 1000.0, duration_s=n_frames / fps,
        envelope_t=env_t, envelope_v=env_v, visual_curve=curve, fps=fps,
    )


def plot_sync_report(report: SyncReport, width: int = 960, height: int = 400) -> np.ndarray:
    """Draw the report: title, audio envelope with onset ticks (top), visual event curve with
    event ticks (bottom), each pair joined by a line labelled with its offset in ms.
    Returns uint8 RGB [height, width, 3]."""
    from PIL import Image, ImageDraw, ImageFont  # only needed when drawing

    img = Image.new("RGB", (width, height), (24, 24, 28))
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    margin_l, margin_r, title_h = 10, 10, 26
    gap = 44  # room between the panels for the pair labels
    panel_h = (height - title_h - gap - 24) // 2
    top_a, top_v = title_h, title_h + panel_h + gap
    dur = max(report.duration_s, float(report.envelope_t[-1]) if report.envelope_t is not None
              and len(report.envelope_t) else 0.0, 1e-3)

    def x_of(t):
        return margin_l + (width - margin_l - margin_r) * float(t) / dur

    def polyline(ts, vs, top, colour):
        if ts is None or len(ts) < 2:
            return
        vs = np.asarray(vs, dtype=np.float64)
        peak = vs.max() if vs.max() > 0 else 1.0
        pts = [(x_of(t), top + panel_h - (panel_h - 4) * v / peak) for t, v in zip(ts, vs)]
        d.line(pts, fill=colour, width=1)

    for top, label in ((top_a, "audio envelope"), (top_v, "visual events")):
        d.rectangle([margin_l, top, width - margin_r, top + panel_h], outline=(70, 70, 80))
        d.text((margin_l + 4, top + 2), label, fill=(150, 150, 160), font=font)
    polyline(report.envelope_t, report.envelope_v, top_a, (90, 170, 255))
    if report.visual_curve is not None and report.fps:
        polyline(np.arange(len(report.visual_curve)) / report.fps, report.visual_curve, top_v,
                 (255, 170, 70))
    for t in report.audio_times:
        d.line([(x_of(t), top_a), (x_of(t), top_a + panel_h)], fill=(120, 200, 255), width=1)
    for t in report.visual_times:
        d.line([(x_of(t), top_v), (x_of(t), top_v + panel_h)], fill=(255, 200, 110), width=1)

    lo, hi = report.window_ms
    for i, p in enumerate(report.pairs):
        off = p.offset * 1000.0
        ok = lo <= off <= hi
        colour = (110, 220, 120) if ok else (240, 90, 90)
        d.line([(x_of(p.t_audio), top_a + panel_h), (x_of(p.t_video), top_v)], fill=colour, width=2)
        xm = 0.5 * (x_of(p.t_audio) + x_of(p.t_video))
        d.text((xm - 14, top_a + panel_h + 4 + 14 * (i % 2)), f"{off:+.0f}", fill=colour, font=font)

    med = "n/a" if not np.isfinite(report.median_offset_ms) else f"{report.median_offset_ms:+.1f} ms"
    title = (f"median offset {med} (+ = audio late)   F1 {report.f1:.2f}   "
             f"pairs {report.n_pairs}  (V {report.n_visual} / A {report.n_audio})")
    d.text((margin_l, 6), title, fill=(235, 235, 240), font=font)
    d.text((margin_l, height - 16), "0 s", fill=(150, 150, 160), font=font)
    d.text((width - margin_r - 40, height - 16), f"{dur:.2f} s", fill=(150, 150, 160), font=font)
    return np.asarray(img, dtype=np.uint8).copy()
