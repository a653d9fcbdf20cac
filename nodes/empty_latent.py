"""Talkie Empty AV Latent: one duration -> both stream lengths (the model's AVConfig does
the arithmetic), with fps and output size carried along."""
from __future__ import annotations

import torch
from comfy_api.latest import io

from ..models.limits import MAX_BATCH, MAX_FPS, MAX_SECONDS, MAX_SIDE, validate_clip_request
from .latent import make_latent
from .types import CATEGORY, TalkieModelType


def empty_latent(handle, seconds, fps, width, height, batch):
    validate_clip_request(seconds, fps, width, height, batch)
    model = handle.model
    cfg = model.clip_config(seconds, fps)
    video = torch.zeros(batch, cfg.num_video_tokens, model.joint.cfg.video_dim)
    audio = torch.zeros(batch, cfg.num_audio_tokens, model.joint.cfg.audio_dim)
    return make_latent(video, audio, cfg, (width, height))


class TalkieEmptyAVLatent(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="TalkieEmptyAVLatent",
            display_name="Talkie Empty AV Latent",
            category=CATEGORY,
            description="An empty joint latent: picture and sound of one duration, to be filled by the Joint Sampler.",
            inputs=[
                TalkieModelType.Input("model", tooltip="The model decides the latent sizes (tokens per second)."),
                io.Float.Input("seconds", default=4.0, min=0.5, max=MAX_SECONDS, step=0.5,
                               tooltip="Clip length. Video frames and audio samples are both derived from it. "
                                       "Longer than the model's trained window (4 s for the default), the "
                                       "sampler attends block-locally (cost grows linearly with length), but "
                                       "objects persist better when a long clip is made window by window with "
                                       "Talkie Extend AV (see the extend_to_60s workflow)."),
                io.Float.Input("fps", default=24.0, min=1.0, max=MAX_FPS, step=1.0,
                               tooltip="Frames per second. The default model was trained at 24 fps."),
                io.Int.Input("width", default=256, min=16, max=MAX_SIDE, step=2,
                             tooltip="Output width in pixels (even). The default model draws at 64x64 and is "
                                     "upscaled to this size."),
                io.Int.Input("height", default=256, min=16, max=MAX_SIDE, step=2,
                             tooltip="Output height in pixels (even)."),
                io.Int.Input("batch_size", default=1, min=1, max=MAX_BATCH,
                             tooltip="Clips generated at once; clip k uses seed + k."),
            ],
            outputs=[io.Latent.Output(tooltip="A Talkie AV latent (video and audio in one NestedTensor).")],
        )

    @classmethod
    def execute(cls, model, seconds, fps, width, height, batch_size) -> io.NodeOutput:
        return io.NodeOutput(empty_latent(model, seconds, fps, width, height, batch_size))
