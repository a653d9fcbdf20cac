"""Weight-free sync metrics: onsets, visual events, pairing, lip-sync, report, and the
end-to-end calibration through an H.264/AAC round trip."""
import numpy as np
import pytest

from talkie.models.media import read_av_mp4, write_av_mp4
from talkie.models.metrics import (at_resolution, bounce_times, brightness_events, centroid_track, color_events,
                                   contact_times, detect_onsets, envelope, generic_events,
                                   lipsync_lag, object_weights, pair_events, pairing_scores,
                                   plot_sync_report, sync_report)


def _click(sr, rng, seconds=0.004):
    """A short broadband burst: white noise with a 1.5 ms exponential decay."""
    n = round(seconds * sr)
    return (0.8 * rng.uniform(-1, 1, n) * np.exp(-np.arange(n) / (0.0015 * sr))).astype(np.float32)


def _flash_clip(fps, sr, flash_frames, shift_s=0.0, t=96, size=32, seed=0):
    """Black video with white flash frames; a click starting exactly at each flash frame's
    time (k / fps) plus `shift_s` (positive = audio late)."""
    rng = np.random.default_rng(seed)
    frames = np.zeros((t, size, size, 3), np.uint8)
    frames[flash_frames] = 255
    audio = np.zeros(round(t * sr / fps), np.float32)
    for k in flash_frames:
        c = _click(sr, rng)
        s = round((k / fps + shift_s) * sr)
        audio[s:s + len(c)] += c
    return frames, audio


FLASHES = [10, 22, 31, 47, 60, 75]


@pytest.mark.parametrize("fps,sr", [(24, 16000), (25, 44100)])
def test_calibration_clip_round_trip(tmp_path, fps, sr):
    for shift_ms in (0, -120, -40, 25, 120):
        frames, audio = _flash_clip(fps, sr, FLASHES, shift_ms / 1000)
        path = tmp_path / f"cal_{shift_ms}.mp4"
        write_av_mp4(path, frames, audio, fps, sr)
        r = read_av_mp4(path)
        v = brightness_events(r["frames"], r["fps"]).times
        a = detect_onsets(r["audio"], r["sample_rate"]).times
        np.testing.assert_allclose(v, np.array(FLASHES) / fps, atol=1e-9)
        rep = sync_report(r["frames"], r["audio"], r["fps"], r["sample_rate"], visual_events=v,
                          audio_onsets=a)
        err = rep.median_offset_ms - shift_ms
        assert abs(err) < (1.0 if shift_ms == 0 else 2.0), (shift_ms, rep.median_offset_ms)
        assert rep.f1 == 1.0 and rep.n_pairs == len(FLASHES)
        # Every single event, not just the median, is within 5 ms after AAC.
        assert np.abs(rep.offsets_ms - shift_ms).max() < 5.0
        # The default report (generic visual events) agrees.
        auto = sync_report(r["frames"], r["audio"], r["fps"], r["sample_rate"])
        assert abs(auto.median_offset_ms - shift_ms) < 2.0 and auto.f1 == 1.0


def test_onsets_resolve_close_events_to_the_sample():
    sr = 16000
    rng = np.random.default_rng(1)
    x = 0.003 * rng.standard_normal(sr * 2).astype(np.float32)  # quiet noise floor
    starts = [4000, 5600, 7211, 20000, 21650]  # 100 ms apart at the closest
    for s in starts:
        c = _click(sr, rng)
        x[s:s + len(c)] += c
    on = detect_onsets(x, sr)
    assert len(on.times) == len(starts)
    assert np.abs(on.times * sr - np.array(starts)).max() <= 2  # samples
    assert np.all(on.strengths > 6.0)
    assert len(detect_onsets(np.zeros(sr, np.float32), sr).times) == 0
    assert len(detect_onsets(0.01 * rng.standard_normal(sr), sr).times) == 0  # stationary noise


def test_onsets_ignore_decaying_low_ring_and_find_tone_starts():
    sr = 16000
    t = np.arange(sr) / sr
    # A 70 Hz drum-like ring: its 4 ms energy wobbles by tens of dB but never rises.
    x = (0.8 * np.exp(-t / 0.25) * np.sin(2 * np.pi * 70 * t)).astype(np.float32)
    x = np.concatenate([np.zeros(3000, np.float32), x])
    tone_start = 14000
    x[tone_start:] += (0.5 * np.sin(2 * np.pi * 440 * np.arange(len(x) - tone_start) / sr)).astype(np.float32)
    on = detect_onsets(x, sr)
    assert len(on.times) == 2
    assert np.abs(on.times - np.array([3000, tone_start]) / sr).max() < 1e-3


def test_onset_of_a_quiet_hit_on_a_ringing_object():
    """A metal-like ring (beating partials, loud) and a quieter hit on it 0.3 s later: the
    ring is above the crossing before the hit, which must not pull the onset early."""
    sr = 16000
    rng = np.random.default_rng(5)
    t = np.arange(sr) / sr

    def hit(amp):
        modes = sum(a * np.exp(-t / d) * np.sin(2 * np.pi * f * t + rng.uniform(0, 0.3))
                    for f, d, a in ((820, 0.35, 1.0), (2263, 0.25, 0.6), (4428, 0.15, 0.4)))
        return amp * (modes + 0.4 * rng.standard_normal(sr) * np.exp(-t / 0.004))

    x = np.zeros(2 * sr)
    starts = [2000, 2000 + round(0.3 * sr)]
    for s, amp in zip(starts, (0.5, 0.25)):
        x[s:s + sr] += hit(amp)
    on = detect_onsets(x.astype(np.float32), sr)
    assert len(on.times) == 2
    assert np.abs(on.times * sr - np.array(starts)).max() <= 8  # samples (0.5 ms), not a window early

def test_envelope_shape_and_times():
    sr = 8000
    x = np.zeros(sr, np.float32)
    x[4000:] = 0.5
    t, env = envelope(x, sr, hop_s=0.01, win_s=0.01)
    assert len(t) == len(env) == 100
    assert env[:49].max() == 0 and np.allclose(env[51:], 0.5)
    assert abs(t[0] - 0.005) < 1e-12


def test_generic_events_on_motion():
    fps = 24
    frames = np.zeros((48, 32, 32, 3), np.uint8)
    # A square that appears at frame 12 and jumps to a new place at frame 30.
    frames[12:30, 4:12, 4:12] = 200
    frames[30:, 20:28, 20:28] = 200
    ev = generic_events(frames, fps)
    np.testing.assert_allclose(ev.times, [12 / fps, 30 / fps])


def _render_ball(fps, t, contacts_period, first_contact, size=64, r=5.0, seed=0):
    """An anti-aliased disc bouncing elastically: contacts at first_contact + k*period."""
    rng = np.random.default_rng(seed)
    g = 8.0 * 40.0 / contacts_period ** 2  # 40 px high arcs
    floor = size - 8.0
    times = np.arange(t) / fps
    phase = np.mod(times - first_contact, contacts_period)  # time since the last contact
    height = 0.5 * g * phase * (contacts_period - phase)  # ballistic arcs, 0 at contacts
    cy = floor - r - height
    cx = size / 2 + 3.0 * np.sin(times)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    ss = 4  # 4x4 supersampling for the coverage
    offs = (np.arange(ss) + 0.5) / ss - 0.5
    frames = np.zeros((t, size, size, 3), np.float64)
    for k in range(t):
        cov = np.zeros((size, size))
        for dy in offs:
            for dx in offs:
                cov += ((xx + dx - cx[k]) ** 2 + (yy + dy - cy[k]) ** 2) <= r * r
        frames[k] = (cov / ss ** 2)[..., None] * np.array([0.9, 0.3, 0.2])
    frames += 0.1  # background
    frames[:, int(floor):] = 0.5  # the floor
    frames += rng.normal(0, 1 / 255, frames.shape)
    contacts = first_contact + contacts_period * np.arange(20)
    return np.clip(frames, 0, 1), contacts[contacts < (t - 1) / fps]


@pytest.mark.parametrize("fps", [24, 25])
def test_bounce_contact_subframe(tmp_path, fps):
    frames, contacts = _render_ball(fps, 72, contacts_period=0.6137, first_contact=0.4171)
    for f in (frames, None):
        if f is None:  # again after an H.264 round trip
            path = tmp_path / "ball.mp4"
            write_av_mp4(path, frames, None, fps, 16000, crf=23)
            f = read_av_mp4(path)["frames"]
        est = contact_times(f, fps)
        assert len(est) == len(contacts)
        assert np.abs(est - contacts).max() <= 0.002, (est - contacts) * 1000
        # The colour key finds the same contacts.
        est_c = contact_times(f, fps, color=(1.0, 0.4, 0.3), tol=0.3)
        assert np.abs(est_c - contacts).max() <= 0.002


def test_bounce_times_parabola_intersection_exact():
    fps = 24.0
    # Two ballistic arcs with different launch speeds meeting at t_c (image y grows down).
    t_c, g = 0.4321, 500.0
    t = np.arange(24) / fps
    v_down, v_up = 160.0, -110.0  # px/s; the rebound is slower (restitution < 1)
    y = np.where(t < t_c, 50 + v_down * (t - t_c) + 0.5 * g * (t - t_c) ** 2,
                 50 + v_up * (t - t_c) + 0.5 * g * (t - t_c) ** 2)
    est = bounce_times(y, fps)
    assert len(est) == 1 and abs(est[0] - t_c) < 1e-6
    # A track that only rests on the floor has no contacts.
    assert len(bounce_times(np.full(24, 50.0), fps)) == 0


def test_centroid_track_subpixel():
    frames, _ = _render_ball(24, 24, contacts_period=0.6, first_contact=0.3)
    # Background-difference weights are proportional to coverage: sub-pixel exact.
    w = object_weights(frames)
    cy, cx, valid = centroid_track(w)
    assert valid.all()
    times = np.arange(24) / 24
    np.testing.assert_allclose(cx, 32 + 3 * np.sin(times), atol=0.05)


def test_color_events_catch_a_key_lit_while_another_goes_dark():
    fps = 24
    frames = np.full((40, 16, 32, 3), 230, np.uint8)
    lit = (60, 90, 230)
    frames[5:15, :, 0:8] = lit   # key 0: frames 5..14
    frames[15:25, :, 8:16] = lit  # key 1 takes over at frame 15 (no gap)
    frames[30:35, :, 16:24] = lit
    ev = color_events(frames, fps, color=np.array(lit) / 255)
    np.testing.assert_allclose(ev.times, np.array([5, 15, 30]) / fps)


def test_pairing_one_to_one_consensus_and_scores():
    v = np.array([0.5, 1.0, 1.2, 2.0, 3.0])
    a = v[[0, 1, 2, 3]] + 0.12  # 120 ms late; > half the 200 ms spacing of 1.0 / 1.2
    a = np.append(a, 2.6)  # an unmatched extra sound
    pairs = pair_events(v, a)
    offs = {p.video_index: round(p.offset, 6) for p in pairs}
    assert offs[0] == offs[1] == offs[2] == offs[3] == 0.12
    assert len({p.audio_index for p in pairs}) == len(pairs)
    s = pairing_scores(pairs, len(v), len(a), tolerance_s=0.045)
    assert s.n_matched == 4 and s.precision == pytest.approx(4 / 5) and s.recall == pytest.approx(4 / 5)
    assert s.f1 == pytest.approx(0.8)
    # Plain nearest pairing aliases: 1.2's nearest sound is 1.12 (the one from 1.0).
    near = {p.video_index: round(p.offset, 6) for p in pair_events(v, a, centre=0)}
    assert near[2] != 0.12
    # Uncentred scoring counts a 120 ms offset as a miss.
    assert pairing_scores(pairs, len(v), len(a), centred=False).n_matched == 0


def test_event_lists_are_compared_at_the_onset_detectors_resolution():
    # the earlier of two events closer than the resolution is kept, as the onset detector does
    np.testing.assert_allclose(at_resolution([0.5, 0.1, 0.12, 0.3, 0.369, 0.44], 0.07), [0.1, 0.3, 0.44])
    # Two objects landing 20 ms apart: two contacts for the picture, one click the detector
    # can resolve. Both sides at the same resolution, that is one matched event, not a miss.
    fps, sr = 24, 16000
    frames, audio = _flash_clip(fps, sr, [10, 40])
    contacts = np.array([10 / fps, 10 / fps + 0.02, 40 / fps])
    rep = sync_report(frames, audio, fps, sr, visual_events=contacts)
    assert (rep.n_visual, rep.n_audio) == (2, 2) and rep.f1 == 1.0
    # events further apart than the resolution all stay: a missing sound still counts
    rep = sync_report(frames, audio, fps, sr, visual_events=np.array([10 / fps, 10 / fps + 0.1, 40 / fps]))
    assert rep.n_visual == 3 and rep.recall == pytest.approx(2 / 3)


def _mouth_and_voice(lag_s, fps=25, sr=16000, seconds=6.0, seed=3):
    rng = np.random.default_rng(seed)
    syll = np.sort(rng.uniform(0.3, seconds - 0.3, 14))

    def opening(t):
        return sum(np.exp(-0.5 * ((t - s) / 0.05) ** 2) * rng_amp for s, rng_amp in zip(syll, amps))

    amps = rng.uniform(0.5, 1.0, len(syll))
    frame_t = np.arange(round(seconds * fps)) / fps
    mouth = opening(frame_t)
    t = np.arange(round(seconds * sr)) / sr
    carrier = sum(np.sin(2 * np.pi * 140 * k * t + k) / k for k in range(1, 8))
    voice = (opening(t - lag_s) * carrier * 0.3).astype(np.float32)
    return mouth, voice


@pytest.mark.parametrize("lag_ms", [-90, -23, 0, 37, 150])
def test_lipsync_lag_recovered(lag_ms):
    mouth, voice = _mouth_and_voice(lag_ms / 1000)
    res = lipsync_lag(mouth, 25, voice, 16000)
    assert abs(res.lag_s * 1000 - lag_ms) < 5.0, res.lag_s
    assert res.correlation > 0.8


def test_report_text_and_plot():
    fps, sr = 24, 16000
    frames, audio = _flash_clip(fps, sr, FLASHES, 0.030)
    rep = sync_report(frames, audio, fps, sr)
    assert rep.n_visual == rep.n_audio == rep.n_pairs == 6
    assert abs(rep.median_offset_ms - 30) < 1.0 and rep.mad_ms < 1.0
    assert rep.share_in_window == 1.0 and rep.f1 == 1.0
    text = rep.to_text()
    assert "+30.0 ms" in text and "F1 1.00" in text
    img = plot_sync_report(rep, width=640, height=300)
    assert img.shape == (300, 640, 3) and img.dtype == np.uint8
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 5  # something was drawn
    late = sync_report(frames, audio, fps, sr, visual_events=np.array(FLASHES) / fps,
                       audio_onsets=np.array(FLASHES) / fps + 0.1)
    assert late.share_in_window == 0.0 and abs(late.median_offset_ms - 100) < 1e-6
    empty = sync_report(np.zeros((24, 8, 8, 3), np.uint8), np.zeros(16000), fps, sr)
    assert empty.n_pairs == 0 and empty.f1 == 0.0
    assert plot_sync_report(empty).shape == (400, 960, 3)


# --- the Foley world, through an H.264/AAC round trip ------------------------------------
# The world is resolution independent (AVConfig's width/height scale every object and
# motion; event times do not change), so the metric is calibrated on 128 px renders, where
# sub-pixel tracking is reliable (scripts/world_metric_calibration.py measures 64/128/256 px;
# 128 keeps this test quick). 64 px renders (what the model trains on) are measured
# separately below: a known limit of tracking few-pixel objects, not of the metric itself.

CAL_SIZE = 128


def _world_visual_events(frames, fps, scene):
    """The tracker that fits each family (what a per-family eval would use). `matte=True`
    weights pixels by their anti-aliased coverage, which keeps straight edges sub-pixel."""
    from talkie.models.world.families.common import COLOURS, SKIN

    fam = scene["family"]
    if fam == "ball":  # one colour-keyed track per ball
        return np.sort(np.concatenate([contact_times(frames, fps, color=np.array(COLOURS[c]) / 255, matte=True)
                                       for c in scene["colours"]]))
    if fam == "drum":  # the stick tip's colour
        return contact_times(frames, fps, color=np.array((200, 160, 110)) / 255, matte=True, n_fit=3)
    if fam == "clap":  # the outer edges of the two hands close in at each clap
        return contact_times(frames, fps, color=np.array(SKIN[scene["skin"]]) / 255, matte=True,
                             track="edges", n_fit=3)
    lit = 0.9 * np.array(COLOURS[scene["light"]]) + 0.1 * np.array((235, 235, 228))
    return color_events(frames, fps, color=lit / 255).times  # keyboard: the lit key


def _measurable_seeds(family, cfg, count, margin, start=0):
    """Clips (rendered with `cfg`) whose events are >= `margin` s from the clip edges (a
    +-120 ms shift stays inside; a tracker needs a few frames before and after each contact)
    and >= 0.12 s apart (two balls landing together are one sound). Seeds are screened on
    cheap 32 px renders: event times do not depend on the resolution (checked below)."""
    from dataclasses import replace

    from talkie.models.world import render_clip

    probe = replace(cfg, width=32, height=32)
    out = []
    for seed in range(start, start + 40):
        t = np.array([e.time for e in render_clip(seed, probe, family=family, rain=False).events if e.paired])
        if len(t) >= 3 and t.min() >= margin and t.max() <= cfg.seconds_exact - margin and np.diff(t).min() >= 0.12:
            clip = render_clip(seed, cfg, family=family, rain=False)
            assert np.array_equal([e.time for e in clip.events if e.paired], t), "event times depend on size"
            out.append(clip)
        if len(out) == count:
            break
    assert len(out) == count, f"not enough measurable {family} seeds"
    return out


def _shift(mix, shift_ms, sr):
    n = round(abs(shift_ms) / 1000 * sr)
    if shift_ms > 0:  # audio late
        return np.concatenate([np.zeros(n, np.float32), mix[:len(mix) - n]])
    return np.concatenate([mix[n:], np.zeros(n, np.float32)])


def _measure_world(tmp_path, clip, cfg, shifts_ms):
    """{shift: SyncReport} for one clip, each shift through its own MP4."""
    out = {}
    for shift_ms in shifts_ms:
        path = tmp_path / f"{clip.scene['family']}_{shift_ms}.mp4"
        write_av_mp4(path, clip.frames, _shift(clip.mix, shift_ms, cfg.sample_rate), cfg.fps, cfg.sample_rate)
        r = read_av_mp4(path)
        v = _world_visual_events(r["frames"], r["fps"], clip.scene)
        out[shift_ms] = sync_report(r["frames"], r["audio"], r["fps"], r["sample_rate"], visual_events=v)
    return out


# Two clips per family; between them the shifts cover -120..+120 ms (each clip through
# three MP4s keeps the test quick).
@pytest.mark.parametrize("family", ["ball", "clap", "drum", "keyboard"])
def test_world_offsets_recovered_within_2ms_at_128px(tmp_path, family):
    from talkie.models.config import AVConfig

    cfg = AVConfig(width=CAL_SIZE, height=CAL_SIZE)
    clips = _measurable_seeds(family, cfg, 2, 0.15 if family == "keyboard" else 0.3)
    for clip, shifts in zip(clips, ((-120, 0, 60), (-40, 25, 120))):
        for shift_ms, rep in _measure_world(tmp_path, clip, cfg, shifts).items():
            assert rep.f1 == 1.0 and rep.n_pairs == len(clip.events), (family, shift_ms, rep.to_text())
            assert abs(rep.median_offset_ms - shift_ms) <= 2.0, (family, shift_ms, rep.to_text())


# Known limit, measured by scripts/world_metric_calibration.py and documented in
# docs/WORLD.md: on 64 px renders a ball is ~10 px across and a hand's edge moves a fraction
# of a pixel per frame near a contact, so single contacts are off by up to several ms (the
# clip medians stayed within 2.3 ms, and 1 drum report in 36 lost an event). These clips
# pair one to one (F1 = 1) with the median within LIMIT_64PX_MS; keyboard notes are exact.
LIMIT_64PX_MS = {"ball": 3.0, "clap": 3.0, "drum": 3.0, "keyboard": 2.0}


@pytest.mark.parametrize("family", ["ball", "clap", "drum", "keyboard"])
def test_world_offsets_at_64px_known_limit(tmp_path, family):
    from talkie.models.config import AVConfig

    cfg = AVConfig()
    for clip in _measurable_seeds(family, cfg, 2, 0.15 if family == "keyboard" else 0.3):
        for shift_ms, rep in _measure_world(tmp_path, clip, cfg, (-120, 0, 120)).items():
            assert rep.f1 == 1.0 and rep.n_pairs == len(clip.events), (family, shift_ms, rep.to_text())
            assert abs(rep.median_offset_ms - shift_ms) <= LIMIT_64PX_MS[family], (family, shift_ms, rep.to_text())
