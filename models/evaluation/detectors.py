"""Weight-free attribute detectors for Foley-world clips, rendered or generated.

Each detector takes a `ClipData` and returns a label in the world's own vocabulary (the
values `families/*.sample` draws), or None when the clip gives it nothing to decide on.
Thresholds sit between the ranges the world draws from (see each family module), so on
rendered clips the detectors are exact up to the few edge cases the calibration reports.

Object visible and coherent (ball family), per frame: exactly the asked number of
"ball-like" blobs and no other large blob. A blob is a 4-connected region of pixels whose
colour differs from the sky by > 0.2 (max channel, 0..1), above the floor; it is ball-like
when its area is 20..400 px (at 64 px; scaled with the picture), it fills >= 55% of its
bounding box (a disc fills 78%, a smear or a streak far less) and its box is at most 1.5
times longer one way than the other. A frame with a smear, a split ball or no ball fails.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..world.families.common import COLOURS, SKIN
from ..world.families.drum import TEMPO as DRUM_TEMPO
from ..world.families.glass import TINTS
from ..world.families.hands import TEMPO as CLAP_TEMPO
from ..world.families.keyboard import NOTE_HZ, key_box
from ..world.families.storm import DELAY
from .audio_features import f0_autocorr, peak_frequency, segments_after, spectral_centroid
from .clipdata import ClipData
from .image import Blob, nearest_colour

# --- thresholds between the world's ranges (Hz, s) -----------------------------------------
# ball impact fundamentals: rubber 82-160, wood 240-480, metal 525-1000, glass 1650-3000
MATERIAL_EDGES = ((200.0, "rubber"), (502.0, "wood"), (1300.0, "metal"), (np.inf, "glass"))
VOICE_EDGE = 170.0          # low 95-130 Hz, high 210-270 Hz
DRUM_EDGE = 130.0           # big 65-95 Hz, small 170-230 Hz
STORM_EDGE = 0.5 * (DELAY["near"][1] + DELAY["distant"][0])
# rain ambience centroid: asphalt ~1.2 kHz, metal ~3.3 kHz, glass ~5 kHz
RAIN_SURFACE_EDGES = ((2000.0, "asphalt"), (4200.0, "metal"), (np.inf, "glass"))
# rain streak pixels per sky pixel (see `rain_intensity`), between the drop-rate ranges
RAIN_INTENSITY_EDGES = ((0.0072, "light"), (0.022, "moderate"), (np.inf, "heavy"))
RAIN_MIN_DENSITY = 0.0015   # light rain shows >= 0.003
STREAK_CONTRAST = 0.06      # a streak pixel is this much brighter than both side neighbours


def _tempo_edges(tempo: dict) -> list[tuple[float, str]]:
    """Interval edges halfway between consecutive period ranges (fast first)."""
    items = sorted(tempo.items(), key=lambda kv: kv[1][0])
    edges = [(0.5 * (a[1][1] + b[1][0]), a[0]) for a, b in zip(items, items[1:])]
    return edges + [(np.inf, items[-1][0])]


def _bin(value, edges):
    if value is None or not np.isfinite(value):
        return None
    return next(name for edge, name in edges if value < edge)


def _match_palette(rgb, bg, palette: dict, alphas=(1.0,)) -> str:
    """Nearest palette entry, each entry also tried as painted with partial alpha over `bg`
    (glass balls at 0.7, drum bodies at 0.85, lit keys at 0.9 over white, ...)."""
    variants = {}
    for name, c in palette.items():
        for a in alphas:
            variants[(name, a)] = a * np.asarray(c, np.float64) + (1 - a) * np.asarray(bg, np.float64) * 255
    (name, _), _ = nearest_colour(rgb, variants)
    return name


# --- objects (ball family) -------------------------------------------------------------------

def is_ball_like(b: Blob, scale: float) -> bool:
    area_ok = 20 * scale ** 2 <= b.area <= 400 * scale ** 2
    aspect = max(b.height, b.width) / max(1, min(b.height, b.width))
    return area_ok and b.fill >= 0.55 and aspect <= 1.5


def ball_blobs(c: ClipData) -> list[Blob]:
    """Every ball-like blob of the clip, all frames together."""
    return [b for row in c.blobs for b in row if is_ball_like(b, c.scale)]


def coherent_frames(c: ClipData, count: int = 1) -> np.ndarray:
    """Per frame: exactly `count` ball-like blobs and no other blob of ball size (bool [T])."""
    out = np.zeros(c.T, bool)
    for k, row in enumerate(c.blobs):
        good = [b for b in row if is_ball_like(b, c.scale)]
        big_bad = [b for b in row if not is_ball_like(b, c.scale) and b.area >= 20 * c.scale ** 2]
        out[k] = len(good) == count and not big_bad
    return out


def ball_count(c: ClipData) -> int | None:
    """The most common number of ball-like blobs per frame; None unless at least half the
    frames show one (a flicker of noise is not a ball)."""
    counts = [sum(is_ball_like(b, c.scale) for b in row) for row in c.blobs]
    counts = [n for n in counts if n > 0]
    if len(counts) < 0.5 * c.T:
        return None
    return Counter(counts).most_common(1)[0][0]


def ball_size(c: ClipData) -> str | None:
    r = [np.sqrt(b.area / np.pi) for b in ball_blobs(c)]
    return None if not r else ("large" if np.median(r) / c.scale > 6.25 else "small")


def ball_colours(c: ClipData, count: int | None = None) -> str | None:
    """The colours of the `count` (default: detected count) most seen balls, sorted and
    joined by '+', e.g. 'blue+red'."""
    count = count or ball_count(c) or 1
    bg = c.frames[:, : max(1, c.H // 5)].reshape(c.T, -1, 3).mean(axis=1)
    votes = Counter(_match_palette(b.colour, bg[b.frame], COLOURS, (1.0, 0.85, 0.7)) for b in ball_blobs(c))
    if not votes:
        return None
    return "+".join(sorted(name for name, _ in votes.most_common(count)))


def impact_peak_hz(c: ClipData) -> float | None:
    """Impact timbre: the median dominant frequency just after each effects onset."""
    x = c.audio("effects")
    f = [peak_frequency(s, c.sr, fmin=50.0) for s in segments_after(x, c.sr, c.onsets("effects"))]
    f = [v for v in f if v is not None]
    return float(np.exp(np.median(np.log(f)))) if f else None


def material(c: ClipData) -> str | None:
    return _bin(impact_peak_hz(c), MATERIAL_EDGES)


# --- other families --------------------------------------------------------------------------

def clap_tempo(c: ClipData) -> str | None:
    return _tempo(c, CLAP_TEMPO)


def drum_tempo(c: ClipData) -> str | None:
    return _tempo(c, DRUM_TEMPO)


def _tempo(c: ClipData, tempo: dict) -> str | None:
    on = c.onsets("effects")
    if len(on) == 1 and c.seconds >= 1.5:
        return max(tempo, key=lambda k: tempo[k][0])  # one hit in 1.5 s: only the slowest fits
    if len(on) < 2:
        return None
    return _bin(float(np.median(np.diff(on))), _tempo_edges(tempo))


def drum_size(c: ClipData) -> str | None:
    x = c.audio("effects")
    f = [peak_frequency(s, c.sr, fmin=40.0, fmax=400.0)
         for s in segments_after(x, c.sr, c.onsets("effects"), length_s=0.15)]
    f = [v for v in f if v is not None]
    return None if not f else ("big" if np.median(f) < DRUM_EDGE else "small")


def drum_colour(c: ClipData) -> str | None:
    """The drum body: object pixels in the band between the head and the bottom rim."""
    rows = slice(int(0.72 * c.H), int(0.86 * c.H))
    pix = c.frames[:, rows][c.distance[:, rows] > 0.2]
    if len(pix) < 10:
        return None
    bg = np.median(c.frames[:, : max(1, c.H // 5)].reshape(-1, 3), axis=0)
    palette = {k: COLOURS[k] for k in ("red", "blue", "green", "white")}
    return _match_palette(np.median(pix, axis=0), bg, palette, (0.85, 0.7))


def glass_tint(c: ClipData) -> str | None:
    pix = c.frames[c.object_mask]
    if len(pix) < 10:
        return None
    bg = np.median(c.frames[:, : max(1, c.H // 5)].reshape(-1, 3), axis=0)
    return _match_palette(np.median(pix, axis=0), bg, TINTS, (0.75, 0.9))


def voice_pitch(c: ClipData) -> str | None:
    f0 = f0_autocorr(c.audio("voice"), c.sr)
    return None if f0 is None else ("low" if f0 < VOICE_EDGE else "high")


def storm_distance(c: ClipData) -> str | None:
    d = thunder_delay(c)
    return None if d is None else ("near" if d < STORM_EDGE else "distant")


def thunder_delay(c: ClipData) -> float | None:
    """Seconds from the first flash (a jump of mean brightness) to the next effects onset."""
    lum = c.frames.mean(axis=(1, 2, 3))
    if len(lum) < 2:
        return None
    jump = np.diff(lum)
    k = int(np.argmax(jump))
    if jump[k] < 0.1:
        return None
    t_flash = (k + 1) / c.fps
    after = c.onsets("effects")
    after = after[after >= t_flash - 0.02]
    return float(after[0] - t_flash) if len(after) else None


def rain_surface(c: ClipData) -> str | None:
    x = c.audio("ambience")
    if not np.any(x):
        return None
    return _bin(spectral_centroid(x, c.sr), RAIN_SURFACE_EDGES)


def rain_streak_density(c: ClipData) -> float:
    """Share of sky pixels (per frame, median over frames) that are a thin bright vertical
    streak: brighter than both horizontal neighbours by > STREAK_CONTRAST. Ball edges and flat
    surfaces never are; the count grows with the drop rate."""
    y = c.frames[:, :c.floor_row].mean(axis=-1)
    mid = y[:, :, 1:-1]
    streak = (mid - np.maximum(y[:, :, :-2], y[:, :, 2:])) > STREAK_CONTRAST
    return float(np.median(streak.mean(axis=(1, 2))))


def rain_intensity(c: ClipData) -> str | None:
    """None when there are (almost) no streaks: no rain is not light rain."""
    d = rain_streak_density(c)
    return None if d < RAIN_MIN_DENSITY else _bin(d, RAIN_INTENSITY_EDGES)


# --- keyboard --------------------------------------------------------------------------------

def lit_keys(c: ClipData) -> tuple[np.ndarray, np.ndarray]:
    """(index of the lit key per frame, -1 when none; its mean colour [T, 3]). A key is lit
    when its box is saturated (unlit keys are near white)."""
    g = c.geometry
    sat, col = [], []
    for i in range(len(NOTE_HZ)):
        x0, y0, x1, y1 = key_box(i, g)
        box = c.frames[:, int(np.ceil(y0)) + 1:int(y1) - 1, int(np.ceil(x0)) + 1:int(x1)]
        m = box.reshape(c.T, -1, 3).mean(axis=1)
        col.append(m)
        sat.append(m.max(axis=1) - m.min(axis=1))
    sat, col = np.stack(sat, 1), np.stack(col, 1)
    idx = np.where(sat.max(axis=1) > 0.15, sat.argmax(axis=1), -1)
    return idx, col[np.arange(c.T), np.maximum(idx, 0)]


def key_light(c: ClipData) -> str | None:
    idx, col = lit_keys(c)
    if not (idx >= 0).any():
        return None
    palette = {k: COLOURS[k] for k in ("blue", "green", "orange", "purple", "red")}
    white = np.array((235, 235, 228)) / 255.0
    return _match_palette(np.median(col[idx >= 0], axis=0), white, palette, (0.9, 1.0))


def key_runs(idx: np.ndarray, min_len: int = 3) -> list[tuple[int, int, int]]:
    """(first frame, end frame, key) for each run of one lit key."""
    out, k = [], 0
    while k < len(idx):
        j = k
        while j < len(idx) and idx[j] == idx[k]:
            j += 1
        if idx[k] >= 0 and j - k >= min_len:
            out.append((k, j, int(idx[k])))
        k = j
    return out


def key_pitch_agreement(c: ClipData) -> float | None:
    """Share of lit-key runs whose heard pitch (dominant frequency of the music stem during
    the run, nearest scale note in log frequency) is that key's note."""
    idx, _ = lit_keys(c)
    runs = key_runs(idx)
    x = c.audio("music")
    hits = []
    for a, b, key in runs:
        s = x[int((a / c.fps + 0.01) * c.sr):int(b / c.fps * c.sr)]
        f = peak_frequency(s, c.sr, fmin=200.0, fmax=600.0)
        if f is None:
            hits.append(False)
            continue
        note = int(np.argmin(np.abs(np.log(np.asarray(NOTE_HZ) / f))))
        hits.append(note == key)
    return float(np.mean(hits)) if hits else None


def key_pitch_match(c: ClipData) -> str | None:
    a = key_pitch_agreement(c)
    return None if a is None else ("match" if a >= 0.8 else "mismatch")


# --- family ----------------------------------------------------------------------------------

def _colour_share(c: ClipData, colours, tol: float = 0.12) -> float:
    ref = np.asarray(colours, np.float64) / 255.0
    d = np.linalg.norm(c.frames[..., None, :] - ref[None, None, None], axis=-1).min(axis=-1)
    return float((d < tol).mean())


def family(c: ClipData) -> str | None:
    """Decision list on what each family shows (and, second, what it sounds like):
    a full-frame flash (storm), a row of white keys (keyboard), a big skin disc (face), a
    drum head, skin-coloured hands (clap), round coloured blobs (ball), a struck sound with
    none of those (glass), and only ambience (rain)."""
    lum = c.frames.mean(axis=(1, 2, 3))
    if len(lum) > 1 and np.diff(lum).max() > 0.2:
        return "storm"
    shares = c.energy_shares()
    if _colour_share(c, [(235, 235, 228)], 0.06) > 0.12:
        return "keyboard"
    skin = _colour_share(c, SKIN)
    if skin > 0.18:
        return "face"
    if _colour_share(c, [(225, 215, 190)]) > 0.015:
        return "drum"
    if skin > 0.03:
        return "clap"
    if shares["voice"] > 0.5:
        return "face"
    if shares["music"] > 0.5:
        return "keyboard"
    balls = np.mean([any(is_ball_like(b, c.scale) for b in row) for row in c.blobs]) if c.T else 0.0
    if balls >= 0.5:
        return "ball"
    if shares["effects"] > 0.05:
        return "glass"
    if shares["ambience"] > 0.5:
        return "rain"
    return None


# --- what to check per family ----------------------------------------------------------------

DETECTORS = {  # family -> attribute -> detector
    "ball": {"colour": ball_colours, "count": ball_count, "size": ball_size, "material": material},
    "clap": {"tempo": clap_tempo},
    "drum": {"size": drum_size, "colour": drum_colour, "tempo": drum_tempo},
    "glass": {"tint": glass_tint},
    "rain": {"surface": rain_surface, "intensity": rain_intensity},
    "storm": {"distance": storm_distance},
    "face": {"voice": voice_pitch},
    "keyboard": {"light": key_light, "key_pitch": key_pitch_match},
}
RAIN_DETECTORS = {"rain_surface": rain_surface, "rain_intensity": rain_intensity}


def expected_attributes(scene: dict) -> dict:
    """What the detectors should answer for a scene (the world's ground truth)."""
    fam = scene["family"]
    exp = {k: scene[k] for k in DETECTORS[fam] if k in scene}
    if fam == "ball":
        exp["colour"] = "+".join(sorted(scene["colours"]))
    if fam == "keyboard":
        exp["key_pitch"] = "match"
    if scene.get("rain") and fam != "rain":
        exp["rain_surface"] = scene["rain"]["surface"]
        exp["rain_intensity"] = scene["rain"]["intensity"]
    return exp


def detect_attributes(c: ClipData, scene: dict) -> dict:
    """Detector answers for every attribute `expected_attributes(scene)` lists."""
    fam = scene["family"]
    out = {}
    for name in expected_attributes(scene):
        if name in DETECTORS[fam]:
            fn = DETECTORS[fam][name]
            out[name] = fn(c, scene["count"]) if fn is ball_colours else fn(c)
        else:
            out[name] = RAIN_DETECTORS[name](c)
    return out
