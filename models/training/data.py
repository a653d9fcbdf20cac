"""Streaming Foley-world data for training: worker processes render fresh clips into a
queue, and a fixed-size buffer is refreshed from it while training samples from it.

Seeds below TRAIN_SEED_BASE are never rendered for training: evaluation uses them, so
held-out numbers are measured on scenes the model has not seen."""
from __future__ import annotations

import contextlib
import math
import multiprocessing as mp
import os
import queue
import threading
import time

import numpy as np

from ..config import STEMS, AVConfig
from ..world import DEFAULT_WEIGHTS, caption, render_clip

TRAIN_SEED_BASE = 1_000_000


def parse_family_weights(text: str | None) -> dict | None:
    """"glass=0.3,drum=0.2" -> the world's default family weights with those replaced
    (the `--family-weights` option of both training stages)."""
    return parse_weights(text, DEFAULT_WEIGHTS, "--family-weights", "FAMILY")


def add_rain_prob_argument(ap) -> None:
    """`--rain-prob` (both training stages): how often a family that takes rain gets it."""
    ap.add_argument("--rain-prob", type=float, default=None,
                    help="chance of a rain overlay on the families that take one (ball, clap, drum, face, "
                         "keyboard), over the world's 0.25")


def check_rain_prob(ap, value: float | None) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        ap.error("--rain-prob must be between 0 and 1")


def parse_weights(text: str | None, defaults: dict, option: str, what: str) -> dict | None:
    """"a=0.3,b=0.2" -> `defaults` with those weights replaced; None for no text. ValueError
    names `option` for a name not in `defaults`, a weight that is not a finite number >= 0,
    or weights that are all zero."""
    if not text:
        return None
    weights = dict(defaults)
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in weights:
            raise ValueError(f"{option}: {part!r} is not {what}=WEIGHT with {what} one of {sorted(weights)}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(f"{option}: {value!r} (for {name}) is not a number") from None
        if not (math.isfinite(weights[name]) and weights[name] >= 0):
            raise ValueError(f"{option}: the weight of {name} must be a finite number >= 0")
    if sum(weights.values()) <= 0:
        raise ValueError(f"{option}: at least one {what.lower()} needs a positive weight")
    return weights


def _put_unless(q, item, gone, every: float) -> bool:
    """Block on a full queue, but give up (False) once `gone()` says nobody will read it: a
    renderer whose trainer was killed, the stream's receiver once the stream is closed."""
    while True:
        try:
            q.put(item, timeout=every)
            return True
        except queue.Full:
            if gone():
                return False


def _worker(q, cfg_dict, start_seed, stride, weights, encode_fn=None, colour_name_p=0.0, rain_prob=None,
            substitute_p=0.0, wide_p=0.0):
    import torch
    torch.set_num_threads(1)
    # below the trainer: a renderer preempting a training thread stalls the whole step
    os.nice(5)
    parent = os.getppid()
    cfg = AVConfig.from_dict(cfg_dict)
    encode = encode_fn() if encode_fn is not None else None
    seed = start_seed
    while os.getppid() == parent:  # a killed trainer's renderer stops at its next clip
        clip = render_clip(seed, cfg, weights=weights, rain_prob=rain_prob)
        # captioned again: survey colour names, word substitutes, the wider grammar
        if colour_name_p > 0 or substitute_p > 0 or wide_p > 0:
            clip.caption = caption(clip.scene, np.random.default_rng([seed, 0xC0]), "train", colour_name_p,
                                   substitute_p, wide_p)
        if encode is not None:
            item = encode(clip, seed)
        else:
            stems = np.stack([clip.stems[s] for s in STEMS]).astype(np.float16)
            item = (clip.frames, stems, clip.caption, clip.audio_caption, clip.scene["family"], seed)
        if not _put_unless(q, item, lambda: os.getppid() != parent, every=5.0):
            break
        seed += stride
    # the trainer is gone: nobody will read what this queue still holds, so exit without
    # waiting for its feeder thread to write it (that wait never ends)
    q.cancel_join_thread()


# What sizes a spawned renderer's thread pools when its libraries load: BLAS and OpenMP, and
# the Rust pool behind `tokenizers` (MiniLM's tokenizer), which otherwise takes every core.
_ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "TOKENIZERS_PARALLELISM": "false"}


@contextlib.contextmanager
def _one_thread_per_child():
    """Children started inside run on one thread each. Each renderer is meant to own one core;
    on a 16-core GPU host 14 renderers instead ran 18 threads each (their tokenizer's pool sized
    to the machine), fed the trainer 15 clips/s, and the trainer's step took 0.19 s where it
    takes 0.07 s with no renderers running."""
    saved = {k: os.environ.get(k) for k in _ONE_THREAD_ENV}
    os.environ.update(_ONE_THREAD_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class RendererDied(RuntimeError):
    """A renderer process ended while the stream was open (a crash, the OOM killer, a stray
    kill); renderers only stop when the stream is closed."""


class ClipStream:
    """Endless fresh clips from `workers` background processes.

    A renderer's clip (~1 MB) crosses a 64 KB pipe in many writes, so a renderer killed
    mid-clip leaves half a message that no read ever completes (a session-21 run hung so).
    The pipe is therefore read by a receiver thread, never by the trainer: the trainer takes
    whole clips from an in-process queue and checks its renderers on every call, so it stops
    with RendererDied where it would have blocked; the receiver stays parked, a daemon."""

    def __init__(self, cfg: AVConfig, workers: int = 1, seed: int = 0, weights: dict | None = None, maxsize: int = 64,
                 encode_fn=None, colour_name_p: float = 0.0, rain_prob: float | None = None,
                 substitute_p: float = 0.0, wide_p: float = 0.0):
        """`encode_fn`: a picklable factory called once in each worker, returning
        `encode(clip, seed) -> item` (e.g. codec latents + text embeddings).
        `colour_name_p`: chance that a caption's colour word is a colour-survey name of that
        colour instead of a grammar word (`world.colour_names`).
        `rain_prob`: chance of a rain overlay on a family that takes one (default: the world's).
        `substitute_p`: chance that each family or template word of a caption is said by a
        MiniLM neighbour (`world.word_substitutes`).
        `wide_p`: chance that a caption is drawn from the wider grammar (`world.wide_captions`)."""
        ctx = mp.get_context("spawn")
        self.q = ctx.Queue(maxsize=maxsize)
        self.received = queue.Queue(maxsize=32)  # whole clips, unpickled off the trainer's thread
        self.closed = threading.Event()
        base = TRAIN_SEED_BASE + seed * 10_000_000
        self.procs = [ctx.Process(target=_worker, daemon=True,
                                  args=(self.q, cfg.to_dict(), base + i, workers, weights, encode_fn, colour_name_p,
                                        rain_prob, substitute_p, wide_p))
                      for i in range(workers)]
        with _one_thread_per_child():
            for p in self.procs:
                p.start()
        threading.Thread(target=self._receive, name="clip-receiver", daemon=True).start()

    def _receive(self):
        while not self.closed.is_set():
            try:
                item = self.q.get(timeout=1.0)
            except queue.Empty:
                continue
            except (EOFError, OSError):  # the queue was closed under us
                return
            _put_unless(self.received, item, self.closed.is_set, every=1.0)

    def check_renderers(self):
        """Raise RendererDied if a renderer has ended."""
        for i, p in enumerate(self.procs):
            if p.exitcode is not None:
                raise RendererDied(f"renderer {i + 1} of {len(self.procs)} (pid {p.pid}) ended with exit code "
                                   f"{p.exitcode}, so the stream stops here")

    def get(self, timeout: float | None = None):
        """The next clip, waiting up to `timeout` seconds (queue.Empty after that); a renderer
        that ends meanwhile is noticed within a second."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.check_renderers()
            wait = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if wait <= 0:
                raise queue.Empty
            try:
                return self.received.get(timeout=wait)
            except queue.Empty:
                continue

    def drain(self, limit: int):
        """Up to `limit` clips that are ready now, without waiting."""
        self.check_renderers()
        out = []
        for _ in range(limit):
            try:
                out.append(self.received.get_nowait())
            except queue.Empty:
                break
        return out

    def close(self):
        self.closed.set()
        for p in self.procs:
            p.terminate()


class ClipBuffer:
    """A ring of recent clips; training samples from it while the stream refreshes it."""

    def __init__(self, stream: ClipStream, size: int, fill_timeout: float = 600.0):
        self.stream = stream
        first = [stream.get(timeout=fill_timeout) for _ in range(size)]
        self.frames = np.stack([c[0] for c in first])
        self.stems = np.stack([c[1] for c in first])
        self.families = [c[4] for c in first]
        self.next = 0
        self.refreshed = 0

    def refresh(self, limit: int = 8) -> int:
        new = self.stream.drain(limit)
        for c in new:
            i = self.next
            self.frames[i], self.stems[i], self.families[i] = c[0], c[1], c[4]
            self.next = (self.next + 1) % len(self.frames)
        self.refreshed += len(new)
        return len(new)
