"""Talkie AV Decode: AV latent -> IMAGE frames, AUDIO (the mix), the stems, fps."""
from __future__ import annotations

import torch
from comfy_api.latest import io

from ..models.config import STEMS
from .latent import check_latent_fits, read_latent
from .types import CATEGORY, TalkieModelType, TalkieStemsType



def decode(handle, latent):
    model = handle.load()
    video, audio, cfg, size, _, _ = read_latent(latent)
    check_latent_fits(model, video, audio)
    with torch.no_grad():
        frames = model.decode_video(video, cfg, size)                     # [B, T, H, W, 3]
        stems = model.decode_audio(audio, cfg)                            # [B, S, N]
    B, T = frames.shape[:2]
    images = frames.reshape(B * T, *frames.shape[2:]).float().cpu().contiguous()
    mix = stems.sum(1, keepdim=True).clamp(-1, 1).float().cpu()
    audio_out = {"waveform": mix, "sample_rate": cfg.sample_rate}
    stems_out = {"waveforms": stems.float().cpu(), "names": list(STEMS), "sample_rate": cfg.sample_rate}
    return images, audio_out, float(cfg.fps), stems_out


class TalkieAVDecode(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="TalkieAVDecode",
            display_name="Talkie AV Decode",
            category=CATEGORY,
            description="Decodes a Talkie AV latent into frames and sound. The audio decoder produces the waveform "
                        "itself (no Griffin-Lim), so onsets stay where the model put them.",
            inputs=[
                TalkieModelType.Input("model", tooltip="The model that made the latent."),
                io.Latent.Input("latent", tooltip="From Talkie Joint Sampler."),
            ],
            outputs=[
                io.Image.Output(display_name="images", tooltip="Frames [B*T, H, W, 3] in 0..1 (batches are "
                                                              "concatenated in time order)."),
                io.Audio.Output(display_name="audio", tooltip="The mix of all stems, mono, at the decoder's rate."),
                io.Float.Output(display_name="fps", tooltip="Frame rate of the frames, for the mux or Create Video."),
                TalkieStemsType.Output(display_name="stems", tooltip="Effects, ambience, voice and music "
                                                                     "separately, for Talkie Stem Mixer."),
            ],
        )

    @classmethod
    def execute(cls, model, latent) -> io.NodeOutput:
        return io.NodeOutput(*decode(model, latent))
