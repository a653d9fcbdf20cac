"""MP4 (H.264 + AAC-LC) writing and reading with PyAV, keeping audio and video in sync.

Sync rules this module enforces (each was measured to matter, see the research notes):
- video pts = frame index in 1/fps, audio pts = cumulative samples in 1/sr, both contiguous;
- audio is padded or trimmed to exactly round(T * sr / fps) samples, so both tracks end together;
- the MP4 edit list stays on: it is what cancels the AAC encoder's 1024 priming samples;
- on read, decoded AAC is trimmed to the stream's declared duration (the encoder pads the
  last frame) and aligned so that audio sample 0 is the time of video frame 0.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from fractions import Fraction
from typing import Callable

import av
import numpy as np

_LAYOUTS = {1: "mono", 2: "stereo"}
_NTSC_BASES = (24, 30, 48, 60, 120)
# Same frames, same bytes. With its defaults, libx264 (as PyAV ships it) encodes one clip
# into different bitstreams depending on what the process encoded before: the lookahead's
# motion search reads memory it never wrote, and mb-tree turns those costs into per-block
# quantiser offsets. Without mb-tree the output depends on the frames alone (BENCHMARKS.md:
# "Repeatable muxing" measures what it costs).
REPEATABLE_X264_PARAMS = "mbtree=0"


def as_fraction(fps) -> Fraction:
    """fps as an exact Fraction; 23.976 / 29.97 / 59.94 become the NTSC 1000/1001 rates."""
    if isinstance(fps, Fraction):
        f = fps
    else:
        fps = float(fps)
        f = None
        for base in _NTSC_BASES:
            if abs(fps - base * 1000 / 1001) < 5e-3:
                f = Fraction(base * 1000, 1001)
                break
        if f is None:
            f = Fraction(fps).limit_denominator(1001)
    if f <= 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    return f


def num_audio_samples(num_frames: int, fps, sample_rate: int) -> int:
    """Samples that exactly cover `num_frames` video frames (the same rule as AVConfig)."""
    return round(num_frames * sample_rate / as_fraction(fps))


def _to_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):  # torch tensor, without importing torch here
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _movie_timescale(rate: Fraction, sample_rate: int) -> int:
    ts = math.lcm(rate.numerator, sample_rate) if sample_rate > 0 else rate.numerator
    while ts < 1000:  # stay at least as fine as FFmpeg's default
        ts *= 2
    return ts if ts < 2**31 else 1000


def _checked_frames(frames) -> np.ndarray:
    """[T, H, W, 3] uint8 or float 0..1 as a numpy view (a CPU tensor is shared, not copied:
    a minute of float frames is over a gigabyte, so they are converted one at a time)."""
    f = _to_numpy(frames)
    if f.ndim != 4 or f.shape[-1] != 3:
        raise ValueError(f"frames must be [T, H, W, 3]; got shape {tuple(f.shape)}")
    if f.shape[0] == 0:
        raise ValueError("frames must contain at least one frame")
    if f.dtype != np.uint8 and not np.issubdtype(f.dtype, np.floating):
        raise ValueError(f"frames must be uint8 or float in 0..1; got dtype {f.dtype}")
    return f


def _frame_uint8(frame: np.ndarray) -> np.ndarray:
    if frame.dtype == np.uint8:
        return np.ascontiguousarray(frame)
    f = np.nan_to_num(frame.astype(np.float32), nan=0.0)
    return np.ascontiguousarray(np.round(np.clip(f, 0.0, 1.0) * 255.0).astype(np.uint8))


def _audio_cn(audio) -> np.ndarray:
    a = _to_numpy(audio)
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2 or a.shape[0] not in _LAYOUTS:
        raise ValueError(f"audio must be [N] or [C, N] with C in (1, 2); got shape {tuple(a.shape)}")
    a = np.nan_to_num(a.astype(np.float32), nan=0.0)
    return np.clip(a, -1.0, 1.0)


def even_frames(frames):
    """Pad [T, H, W, C] frames to even H and W by replicating the last row / column.

    Returns the same kind (numpy array or torch tensor) that was passed in.
    """
    h, w = frames.shape[1], frames.shape[2]
    ph, pw = h % 2, w % 2
    if not (ph or pw):
        return frames
    if hasattr(frames, "detach"):
        import torch  # only reached when the caller already passed a tensor
        if ph:
            frames = torch.cat([frames, frames[:, -1:]], dim=1)
        if pw:
            frames = torch.cat([frames, frames[:, :, -1:]], dim=2)
        return frames
    return np.pad(frames, ((0, 0), (0, ph), (0, pw), (0, 0)), mode="edge")


def write_av_mp4(path, frames, audio, fps, sample_rate: int, metadata: dict | None = None,
                 crf: int = 18, preset: str = "veryfast", audio_bitrate: int | None = None,
                 should_stop: Callable[[], None] | None = None, size: tuple[int, int] | None = None,
                 x264_params: str = REPEATABLE_X264_PARAMS) -> str:
    """Write an MP4 (H.264 yuv420p High profile + AAC-LC) atomically; returns the path.

    frames: uint8 [T, H, W, 3] or float in 0..1 (numpy or torch). H and W must be even
        (see `even_frames`). audio: float [C, N] or [N] in -1..1, C = 1 or 2, or None for
        a silent-track-free video. It is padded with zeros / trimmed to round(T*sr/fps).
    metadata: container tags; non-string values are JSON-encoded (as ComfyUI's SaveVideo).
    preset: libx264's; `veryfast` muxes a 4 s 256x256 clip ~35 % faster than `medium`
        at 0.4 dB lower PSNR and a smaller file on Foley-world content (BENCHMARKS.md).
    x264_params: extra libx264 settings; the default makes the file a function of the
        frames alone (see REPEATABLE_X264_PARAMS). "" gives libx264's own defaults.
    size: (width, height) to scale every frame to (bicubic, in libswscale) while encoding,
        so a long clip can stay at its small native size in memory.
    should_stop: called between frames; whatever it raises aborts the write, and neither a
        partial file nor the temp file is left behind.
    """
    frames = _checked_frames(frames)
    t, h, w = frames.shape[:3]
    src_hw = (h, w)
    if size is not None:
        w, h = int(size[0]), int(size[1])
    if h % 2 or w % 2:
        raise ValueError(f"width and height must be even for H.264 yuv420p; got {w}x{h}")
    rate = as_fraction(fps)
    sample_rate = int(sample_rate)
    if audio is not None:
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        wav = _audio_cn(audio)
        n_total = num_audio_samples(t, rate, sample_rate)
        if wav.shape[1] < n_total:
            wav = np.pad(wav, ((0, 0), (0, n_total - wav.shape[1])))
        wav = np.ascontiguousarray(wav[:, :n_total])

    path = os.fspath(path)
    out_dir = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix="." + os.path.basename(path) + ".", suffix=".part")
    os.close(fd)
    container = None
    try:
        # +faststart puts moov before mdat (progressive playback); use_metadata_tags lets
        # arbitrary keys such as 'prompt' / 'workflow' into the MP4.
        # movie_timescale: the edit lists (which cancel AAC priming and mark the audio's
        # true end) are stored in movie ticks, 1 ms by default; a tick that divides both
        # the sample and the frame period keeps them exact.
        container = av.open(tmp, mode="w", format="mp4",
                            options={"movflags": "+faststart+use_metadata_tags",
                                     "movie_timescale": str(_movie_timescale(rate, sample_rate))})
        for key, value in (metadata or {}).items():
            container.metadata[str(key)] = value if isinstance(value, str) else json.dumps(value)

        vs = container.add_stream("libx264", rate=rate,
                                  options={"crf": str(int(crf)), "preset": preset, "profile": "high",
                                           **({"x264-params": x264_params} if x264_params else {})})
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.codec_context.time_base = 1 / rate
        if audio is not None:
            ast = container.add_stream("aac", rate=sample_rate)
            ast.layout = _LAYOUTS[wav.shape[0]]
            if audio_bitrate:
                ast.bit_rate = int(audio_bitrate)
            audio_tb = Fraction(1, sample_rate)

        a_done = 0
        for k in range(t):
            if should_stop is not None:
                should_stop()
            vf = av.VideoFrame.from_ndarray(_frame_uint8(frames[k]), format="rgb24")
            if (h, w) != src_hw:
                vf = vf.reformat(width=w, height=h, format="yuv420p", interpolation="BICUBIC")
            vf.pts, vf.time_base = k, 1 / rate
            for pkt in vs.encode(vf):
                container.mux(pkt)
            if audio is not None:
                # Feed the audio that belongs to this frame's interval so the muxer interleaves.
                a_end = num_audio_samples(k + 1, rate, sample_rate) if k + 1 < t else wav.shape[1]
                if a_end > a_done:
                    af = av.AudioFrame.from_ndarray(np.ascontiguousarray(wav[:, a_done:a_end]),
                                                    format="fltp", layout=_LAYOUTS[wav.shape[0]])
                    af.sample_rate, af.pts, af.time_base = sample_rate, a_done, audio_tb
                    for pkt in ast.encode(af):
                        container.mux(pkt)
                    a_done = a_end
        for pkt in vs.encode(None):
            container.mux(pkt)
        if audio is not None:
            for pkt in ast.encode(None):
                container.mux(pkt)
        container.close()
        container = None
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; the finished file gets normal permissions
        os.replace(tmp, path)
    except BaseException:
        # BaseException: a ComfyUI interrupt or KeyboardInterrupt must clean up too.
        if container is not None:
            try:
                container.close()
            except Exception:
                pass
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def _stream_seconds(stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return None


def _frame_planar(frame) -> np.ndarray:
    """A decoded audio frame as float32 [C, n], whatever its sample format."""
    arr = frame.to_ndarray()
    c = frame.layout.nb_channels if hasattr(frame.layout, "nb_channels") else len(frame.layout.channels)
    if not frame.format.is_planar:
        arr = arr.reshape(-1, c).T
    if np.issubdtype(arr.dtype, np.integer):
        arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max)
    return arr.astype(np.float32, copy=False)


def read_av_mp4(path) -> dict:
    """Decode a video file with PyAV.

    Returns dict(frames uint8 [T, H, W, 3], audio float32 [C, N] (or None without an audio
    stream), fps Fraction, sample_rate int, metadata dict of str, video_duration and
    audio_duration in seconds). Audio is aligned so sample 0 is the time of video frame 0
    and trimmed to the stream's declared duration (drops the AAC encoder's tail padding).
    """
    with av.open(os.fspath(path)) as container:
        metadata = dict(container.metadata)
        vstreams = container.streams.video
        astreams = container.streams.audio
        frames, fps, t0 = None, None, 0.0
        if vstreams:
            vs = vstreams[0]
            fps = vs.average_rate or vs.guessed_rate or vs.base_rate
            imgs = []
            for i, fr in enumerate(container.decode(vs)):
                if i == 0 and fr.pts is not None:
                    t0 = float(fr.pts * fr.time_base)
                imgs.append(fr.to_ndarray(format="rgb24"))
            frames = np.stack(imgs) if imgs else np.zeros((0, vs.height, vs.width, 3), np.uint8)
        audio, sr = None, None
        if astreams:
            ast = astreams[0]
            container.seek(0)
            sr = ast.codec_context.sample_rate
            chunks, start = [], None
            for fr in container.decode(ast):
                if start is None:
                    start = float(fr.pts * fr.time_base) if fr.pts is not None else 0.0
                chunks.append(_frame_planar(fr))
            if chunks:
                audio = np.concatenate(chunks, axis=1)
                # Place the first decoded sample at its presentation time relative to frame 0.
                shift = round((start - t0) * sr)
                if shift > 0:
                    audio = np.pad(audio, ((0, 0), (shift, 0)))
                elif shift < 0:
                    audio = audio[:, -shift:]
                declared = _stream_seconds(ast)
                if declared is not None:
                    n = round((declared + start - t0) * sr)
                    audio = audio[:, :max(0, n)]
            else:
                audio = np.zeros((ast.codec_context.channels, 0), np.float32)
    return dict(
        frames=frames,
        audio=audio,
        fps=fps,
        sample_rate=sr,
        metadata=metadata,
        video_duration=float(len(frames) / fps) if frames is not None and fps else None,
        audio_duration=(audio.shape[1] / sr) if audio is not None else None,
    )


def resample_audio(waveform, sr_in: int, sr_out: int):
    """Resample [C, N] (or [N]) float audio with FFmpeg's resampler; output has exactly
    round(N * sr_out / sr_in) samples and keeps the input's time origin. Returns the same
    kind (numpy / torch) and rank as the input."""
    is_torch = hasattr(waveform, "detach")
    a = _to_numpy(waveform).astype(np.float32)
    squeeze = a.ndim == 1
    if squeeze:
        a = a[None]
    if a.ndim != 2:
        raise ValueError(f"waveform must be [N] or [C, N]; got shape {tuple(a.shape)}")
    sr_in, sr_out = int(sr_in), int(sr_out)
    if sr_in <= 0 or sr_out <= 0:
        raise ValueError(f"sample rates must be positive; got {sr_in} -> {sr_out}")
    n_out = round(a.shape[1] * sr_out / sr_in)
    if sr_in == sr_out or a.shape[1] == 0:
        out = a.copy()
    else:
        layout = av.AudioLayout(a.shape[0]) if a.shape[0] not in _LAYOUTS else _LAYOUTS[a.shape[0]]
        rs = av.AudioResampler(format="fltp", layout=layout, rate=sr_out)
        fr = av.AudioFrame.from_ndarray(np.ascontiguousarray(a), format="fltp", layout=layout)
        fr.sample_rate, fr.pts, fr.time_base = sr_in, 0, Fraction(1, sr_in)
        parts = [o.to_ndarray() for o in rs.resample(fr)]
        parts += [o.to_ndarray() for o in rs.resample(None)]  # flush the filter tail
        out = np.concatenate(parts, axis=1) if parts else np.zeros((a.shape[0], 0), np.float32)
        out = out.astype(np.float32, copy=False)
    if out.shape[1] < n_out:
        out = np.pad(out, ((0, 0), (0, n_out - out.shape[1])))
    out = out[:, :n_out]
    if squeeze:
        out = out[0]
    if is_torch:
        import torch  # the caller already uses torch
        return torch.from_numpy(np.ascontiguousarray(out))
    return out
