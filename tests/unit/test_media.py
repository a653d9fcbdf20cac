"""MP4 writing/reading: stream layout, durations, metadata, faststart, atomic writes."""
import json
import os
import struct
from fractions import Fraction

import av
import numpy as np
import pytest

from talkie.models.media import even_frames, read_av_mp4, resample_audio, write_av_mp4


def _clip(t=30, h=48, w=64, sr=16000, fps=24, seconds_audio=None, channels=1):
    # Smooth moving colour gradients: content H.264 at CRF 18 reproduces closely.
    k, yy, xx = np.meshgrid(np.arange(t), np.arange(h), np.arange(w), indexing="ij")
    frames = np.stack([128 + 100 * np.sin(xx / 6 + 0.9 * k), 128 + 100 * np.cos(yy / 7 - 0.7 * k),
                       128 + 100 * np.sin((xx + yy) / 10 + 0.5 * k)], axis=-1).astype(np.uint8)
    n = round((seconds_audio if seconds_audio is not None else t / fps) * sr)
    audio = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / sr)).astype(np.float32)
    return frames, np.tile(audio, (channels, 1))


def _top_level_boxes(path):
    boxes = []
    with open(path, "rb") as f:
        while True:
            head = f.read(8)
            if len(head) < 8:
                break
            size, kind = struct.unpack(">I4s", head)
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
                f.seek(size - 16, 1)
            else:
                f.seek(size - 8, 1)
            boxes.append(kind.decode("latin-1"))
            if size == 0:
                break
    return boxes


@pytest.mark.parametrize("fps,sr,channels", [(24, 16000, 1), (25, 44100, 2), (23.976, 48000, 1)])
def test_round_trip_streams_durations_metadata(tmp_path, fps, sr, channels):
    frames, audio = _clip(t=30, sr=sr, fps=fps, seconds_audio=1.7, channels=channels)  # audio too long
    path = tmp_path / "clip.mp4"
    meta = {"prompt": {"3": {"class_type": "TalkieSampler"}}, "workflow": {"nodes": []}, "title": "x"}
    write_av_mp4(path, frames, audio, fps, sr, metadata=meta)

    with av.open(str(path)) as c:
        assert len(c.streams.video) == 1 and len(c.streams.audio) == 1
        v, a = c.streams.video[0], c.streams.audio[0]
        assert v.codec_context.name == "h264" and v.codec_context.pix_fmt == "yuv420p"
        assert v.codec_context.profile in ("High", "Main")
        assert a.codec_context.name == "aac" and a.codec_context.profile == "LC"
        assert a.codec_context.sample_rate == sr and a.codec_context.channels == channels

    r = read_av_mp4(path)
    assert r["frames"].shape == (30, 48, 64, 3) and r["frames"].dtype == np.uint8
    assert abs(float(r["fps"]) - fps) < 1e-3
    assert r["sample_rate"] == sr
    assert r["audio"].shape == (channels, round(30 * sr / Fraction(r["fps"])))
    assert abs(r["video_duration"] - r["audio_duration"]) <= 1 / fps
    assert json.loads(r["metadata"]["prompt"]) == meta["prompt"]
    assert json.loads(r["metadata"]["workflow"]) == meta["workflow"]
    assert r["metadata"]["title"] == "x"
    # The picture survives CRF 18 closely (and is not, e.g., flipped or shifted a frame).
    err = np.abs(r["frames"].astype(int) - frames.astype(int)).mean()
    assert err < 8, err  # mostly 4:2:0 chroma subsampling
    assert err < 0.2 * np.abs(r["frames"][1:].astype(int) - frames[:-1].astype(int)).mean()


def test_float_torch_like_frames_and_short_audio_are_padded(tmp_path):
    frames = np.linspace(0, 1, 12 * 32 * 32 * 3, dtype=np.float32).reshape(12, 32, 32, 3)
    audio = np.full(100, 0.5, np.float32)  # far shorter than 0.5 s
    path = tmp_path / "f.mp4"
    write_av_mp4(path, frames, audio, 24, 16000)
    r = read_av_mp4(path)
    assert r["frames"].shape == (12, 32, 32, 3)
    assert r["audio"].shape == (1, 8000)
    assert np.abs(r["audio"][0, 2000:]).max() < 0.05  # the padding is silence


def test_faststart_moov_before_mdat(tmp_path):
    frames, audio = _clip(t=12)
    path = tmp_path / "fs.mp4"
    write_av_mp4(path, frames, audio, 24, 16000)
    boxes = _top_level_boxes(path)
    assert boxes[0] == "ftyp"
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat")


def test_audio_starts_at_time_zero_in_container(tmp_path):
    frames, audio = _clip(t=24)
    path = tmp_path / "t0.mp4"
    write_av_mp4(path, frames, audio, 24, 16000)
    with av.open(str(path)) as c:
        first = next(c.decode(audio=0))
        assert first.pts == 0
        assert c.streams.audio[0].start_time in (0, None)


def test_odd_size_rejected_clearly_and_even_frames_pads(tmp_path):
    frames = np.zeros((4, 33, 50, 3), np.uint8)
    frames[:, -1] = 200
    path = tmp_path / "odd.mp4"
    with pytest.raises(ValueError, match="must be even.*50x33"):
        write_av_mp4(path, frames, np.zeros(100, np.float32), 24, 16000)
    assert not path.exists()
    assert os.listdir(tmp_path) == []
    padded = even_frames(frames)
    assert padded.shape == (4, 34, 50, 3)
    assert np.array_equal(padded[:, -1], frames[:, -1])  # last row replicated
    write_av_mp4(path, padded, np.zeros(100, np.float32), 24, 16000)
    assert read_av_mp4(path)["frames"].shape == (4, 34, 50, 3)


def test_size_scales_frames_while_encoding(tmp_path):
    """The CLI keeps frames at the model's size and lets the muxer scale them: the result
    must match scaling first (bicubic both ways) within codec noise."""
    import torch

    frames, audio = _clip(t=12, h=32, w=32)
    path = tmp_path / "scaled.mp4"
    write_av_mp4(path, frames, audio, 24, 16000, size=(96, 64))
    got = read_av_mp4(path)["frames"].astype(np.float32)
    assert got.shape == (12, 64, 96, 3)
    ref = torch.nn.functional.interpolate(torch.from_numpy(frames).float().permute(0, 3, 1, 2), size=(64, 96),
                                          mode="bicubic", align_corners=False).clamp(0, 255).permute(0, 2, 3, 1)
    assert np.abs(got - ref.numpy()).mean() < 6.0
    with pytest.raises(ValueError, match="must be even.*95x64"):
        write_av_mp4(tmp_path / "odd.mp4", frames, audio, 24, 16000, size=(95, 64))


def test_even_frames_torch():
    torch = pytest.importorskip("torch")
    f = torch.rand(2, 5, 7, 3)
    out = even_frames(f)
    assert tuple(out.shape) == (2, 6, 8, 3)
    assert torch.equal(out[:, 5, :7], f[:, 4])
    assert torch.equal(out[:, :5, 7], f[:, :, 6])


def test_should_stop_leaves_no_partial_or_temp_file(tmp_path):
    frames, audio = _clip(t=40)
    path = tmp_path / "stopped.mp4"
    calls = {"n": 0}

    class Cancelled(Exception):
        pass

    def should_stop():
        calls["n"] += 1
        if calls["n"] > 20:
            raise Cancelled()

    with pytest.raises(Cancelled):
        write_av_mp4(path, frames, audio, 24, 16000, should_stop=should_stop)
    assert calls["n"] == 21
    assert os.listdir(tmp_path) == []

    # An existing file is not clobbered by a failed rewrite.
    write_av_mp4(path, frames, audio, 24, 16000)
    before = path.read_bytes()
    calls["n"] = 0
    with pytest.raises(Cancelled):
        write_av_mp4(path, frames[::-1], audio, 24, 16000, should_stop=should_stop)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["stopped.mp4"]


def test_bad_inputs_raise_value_errors(tmp_path):
    with pytest.raises(ValueError, match=r"\[T, H, W, 3\]"):
        write_av_mp4(tmp_path / "a.mp4", np.zeros((4, 8, 8), np.uint8), None, 24, 16000)
    with pytest.raises(ValueError, match="C in"):
        write_av_mp4(tmp_path / "a.mp4", np.zeros((4, 8, 8, 3), np.uint8), np.zeros((3, 10)), 24, 16000)
    assert os.listdir(tmp_path) == []


def test_resample_audio_keeps_timing_and_length():
    sr_in, sr_out = 44100, 16000
    x = np.zeros((2, sr_in), np.float32)
    x[:, 22050:22050 + 50] = 0.8  # a click at 0.5 s
    y = resample_audio(x, sr_in, sr_out)
    assert y.shape == (2, 16000)
    onset = np.argmax(np.abs(y[0]) > 0.2) / sr_out
    assert abs(onset - 0.5) < 0.5e-3
    mono = resample_audio(x[0], sr_in, 22050)
    assert mono.shape == (22050,)


def _textured_clip(seed, t=8, side=64):
    # Fine random texture that moves: the content on which libx264's defaults were seen to
    # encode one clip differently depending on what was encoded before it.
    r = np.random.default_rng(seed)
    base = r.random((1, side, side, 3)).astype(np.float32)
    k = np.linspace(0, 1, t, dtype=np.float32)[:, None, None, None]
    return np.clip(0.6 * base + 0.4 * np.sin(6 * k + 5 * base), 0, 1)


def _video_bytes(path):
    with av.open(str(path)) as c:
        return b"".join(bytes(p) for p in c.demux(c.streams.video[0]) if p.size)


def test_same_frames_give_the_same_bitstream_whatever_was_encoded_before(tmp_path):
    """Same seed, same clip, down to the MP4's bytes: a clip muxed again after another clip
    must give the same H.264 stream (5 clips, each re-muxed 6 times after a different one).
    With `x264_params=""` (libx264's defaults) some re-encodings differ on most runs: see
    REPEATABLE_X264_PARAMS."""
    silence = np.zeros((1, 16000), np.float32)
    changed = 0
    for seed in range(5):
        clip = _textured_clip(seed)
        write_av_mp4(tmp_path / "a.mp4", clip, silence, 8, 16000)
        reference = _video_bytes(tmp_path / "a.mp4")
        for k in range(6):
            write_av_mp4(tmp_path / "other.mp4", _textured_clip(100 + 6 * seed + k), silence, 8, 16000)
            write_av_mp4(tmp_path / "a.mp4", clip, silence, 8, 16000)
            changed += _video_bytes(tmp_path / "a.mp4") != reference
    assert changed == 0, f"{changed} of 30 re-encodings of the same frames gave a different H.264 stream"
