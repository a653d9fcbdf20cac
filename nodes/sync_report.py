"""Talkie Sync Report: IMAGE + AUDIO + fps -> how far the sound is from the picture.

A thin adapter over `talkie.models.metrics.sync_report` (weight-free: audio onsets paired
with visual events) that shows the text in the node and draws the report as an IMAGE."""
from __future__ import annotations

import numpy as np
import torch
from comfy_api.latest import io, ui

from ..models.limits import check_number
from ..models.metrics import centroid_track, object_weights, plot_sync_report, sync_report
from .media_inputs import check_audio, check_frames
from .types import CATEGORY

VISUAL_EVENTS = ("auto", "generic", "brightness", "motion", "contacts")
MAX_FPS = 120.0


def pick_detector(frames: np.ndarray) -> str:
    """'contacts' when one compact object moves and is tracked in every frame, else 'generic'.

    Compact: the pixels that differ from the (median) background cover a small share of the
    frame, and the tracked centroid moves vertically by more than a pixel or two without
    jumping (a jump means two objects or a cut, which the contact fit would misread)."""
    if len(frames) < 8:
        return "generic"
    w = object_weights(frames)
    cover = (w > 0).mean(axis=(1, 2))
    cy, _, valid = centroid_track(w)
    if not valid.all() or np.median(cover) > 0.15 or cover.max() > 0.3:
        return "generic"
    h = frames.shape[1]
    travel = np.nanmax(cy) - np.nanmin(cy)
    step = np.abs(np.diff(cy)).max()
    return "contacts" if travel > max(2.0, 0.05 * h) and step < 0.25 * h else "generic"


class TalkieSyncReport(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="TalkieSyncReport",
            display_name="Talkie Sync Report",
            category=CATEGORY,
            description="Measures audio/video sync without any model weights: finds sound onsets and visual "
                        "events (impacts, flashes, motion), pairs them and reports the offset (+ = audio late), "
                        "its spread and how many events match.",
            inputs=[
                io.Image.Input("images", tooltip="Frames of the clip."),
                io.Audio.Input("audio", tooltip="Its sound (the first batch item is measured)."),
                io.Float.Input("fps", default=24.0, min=1.0, max=MAX_FPS, step=0.001,
                               tooltip="Frame rate of the images."),
                io.Combo.Input("visual_events", options=list(VISUAL_EVENTS), default="auto",
                               tooltip="How visual events are found. contacts: sub-frame bounce/strike contacts "
                                       "of one tracked object; brightness: flashes and cuts; motion: motion "
                                       "starts; generic: the stronger of brightness and motion; auto: contacts "
                                       "when one compact moving object is tracked, else generic."),
                io.Float.Input("tolerance_ms", default=45.0, min=1.0, max=250.0, step=1.0,
                               tooltip="A pair counts as matched within this distance of the median offset."),
            ],
            outputs=[
                io.String.Output(display_name="report", tooltip="The report as text."),
                io.Image.Output(display_name="plot", tooltip="Audio envelope and visual events with the pairs."),
            ],
            is_output_node=True,
        )

    @classmethod
    def validate_inputs(cls, visual_events="auto"):
        # ComfyUI 0.3.75 does not check a V3 Combo's value against its options: do it here.
        if visual_events not in VISUAL_EVENTS:
            return f"visual_events must be one of {list(VISUAL_EVENTS)}, got {visual_events!r}"
        return True

    @classmethod
    def execute(cls, images, audio, fps, visual_events="auto", tolerance_ms=45.0) -> io.NodeOutput:
        fps = check_number("fps", fps, 1.0, MAX_FPS)
        tol = check_number("tolerance_ms", tolerance_ms, 1.0, 250.0)
        if visual_events not in VISUAL_EVENTS:
            raise ValueError(f"visual_events must be one of {VISUAL_EVENTS}, got {visual_events!r}")
        frames = check_frames(images, min_side=1).numpy()
        wave, sr = check_audio(audio, rates=(1000, 384000))  # measuring, not encoding: any usual rate
        wave = wave.numpy()
        detector = pick_detector(frames) if visual_events == "auto" else visual_events
        rep = sync_report(frames, wave, fps, sr, visual=detector, tolerance_s=tol / 1000.0)
        text = rep.to_text() + f"\nvisual events: {detector}" + (" (auto)" if visual_events == "auto" else "")
        plot = torch.from_numpy(plot_sync_report(rep)).float().div(255.0)[None]
        return io.NodeOutput(text, plot, ui=ui.PreviewText(text))
