"""Checks shared by the server tests: what a Talkie MP4 must look like when read back."""
from __future__ import annotations

import json
from fractions import Fraction

import av
import numpy as np


def probe(path) -> dict:
    with av.open(str(path)) as c:
        v = [s for s in c.streams if s.type == "video"]
        a = [s for s in c.streams if s.type == "audio"]
        info = {"n_video": len(v), "n_audio": len(a), "metadata": dict(c.metadata)}
        if v:
            info.update(fps=Fraction(v[0].average_rate), frames=v[0].frames, width=v[0].codec_context.width,
                        height=v[0].codec_context.height, video_codec=v[0].codec_context.name,
                        pix_fmt=v[0].codec_context.pix_fmt,
                        video_duration=float(v[0].duration * v[0].time_base) if v[0].duration else None)
        if a:
            info.update(sample_rate=a[0].codec_context.sample_rate, audio_codec=a[0].codec_context.name,
                        audio_duration=float(a[0].duration * a[0].time_base) if a[0].duration else None)
    return info


def assert_valid_talkie_mp4(path, fps: float, seconds: float | None = None, sample_rate: int | None = None,
                            workflow: bool = True, faststart: bool = True) -> dict:
    info = probe(path)
    assert info["n_video"] == 1 and info["n_audio"] == 1, info
    assert info["video_codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["audio_codec"] == "aac", info
    assert abs(float(info["fps"]) - fps) < 1e-3, info
    frame = 1.0 / fps
    assert abs(info["video_duration"] - info["audio_duration"]) <= frame + 1e-6, info
    if seconds is not None:
        assert abs(info["video_duration"] - seconds) <= frame + 1e-6, info
    if sample_rate is not None:
        assert info["sample_rate"] == sample_rate, info
    if workflow:
        assert "workflow" in info["metadata"] and "prompt" in info["metadata"], info["metadata"].keys()
        wf = json.loads(info["metadata"]["workflow"])
        assert isinstance(wf, dict) and wf.get("nodes"), "embedded workflow is not a UI workflow"
    if faststart:  # the index comes before the media data, so browsers start playing at once
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
        assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))
    return info


def calibration_clip(fps: float, sr: int, seconds: float, flash_frames, size=64):
    """Black frames with white flash frames, and a click starting exactly at each flash."""
    n = round(seconds * fps)
    frames = np.zeros((n, size, size, 3), np.float32)
    audio = np.zeros(round(n * sr / fps), np.float32)
    rng = np.random.default_rng(0)
    for k in flash_frames:
        frames[k] = 1.0
        start = round(k * sr / fps)
        burst = rng.uniform(-0.8, 0.8, int(0.004 * sr)).astype(np.float32)
        audio[start:start + len(burst)] += burst
    return frames, audio
