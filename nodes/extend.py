"""Talkie Extend AV: continue a clip window by window (to a minute or more) with the same
prompt, each window holding the end of the previous one fixed."""
from __future__ import annotations

import torch
from comfy_api.latest import io

from ..models.config import STEMS
from ..models.extension import extend
from ..models.limits import MAX_FPS, MAX_SECONDS, check_number
from ..models.media import resample_audio
from ..models.pipeline import SamplingSettings
from ..models.sampler import Conditioning, Guidance
from .conditioning import to_text_embeddings
from .media_inputs import check_audio, check_frames, check_stems
from .types import CATEGORY, TalkieModelType, TalkieStemsType

_D = SamplingSettings()


def run_extend(handle, positive, negative, images, fps, extend_seconds, overlap_seconds, seed, steps,
               video_guidance, audio_guidance, sync_guidance, stems=None, audio=None, on_window=None):
    check_number("fps", fps, 1.0, MAX_FPS)
    check_number("extend_seconds", extend_seconds, 0.1, MAX_SECONDS)
    frames = check_frames(images)
    model = handle.load()
    sr = model.av.sample_rate
    n = round(frames.shape[0] * sr / fps)
    if stems is not None:
        w, s_sr = check_stems(stems)
        w = w[0]
        if s_sr != sr:
            w = torch.stack([resample_audio(x, s_sr, sr) for x in w])
    elif audio is not None:
        wave, a_sr = check_audio(audio)
        mono = wave.mean(0)
        mono = resample_audio(mono, a_sr, sr) if a_sr != sr else mono
        w = torch.zeros(len(STEMS), mono.shape[0])
        w[0] = mono  # unseparated sound is carried in the effects stem
    else:
        raise ValueError("connect the clip's stems (from AV Decode) or its audio")
    w = torch.nn.functional.pad(w, (0, max(0, n - w.shape[1])))[:, :n]
    tv, ta = to_text_embeddings(positive, 1)
    nv, na = to_text_embeddings(negative, 1)
    out_frames, out_stems = extend(model, Conditioning(tv, ta, nv, na), frames, w, fps, extend_seconds,
                                   overlap_seconds, seed=seed, steps=steps, method=_D.method, shift=_D.shift,
                                   guidance=Guidance(video_guidance, audio_guidance, sync_guidance, _D.guidance.interval),
                                   on_window=on_window)
    mix = out_stems.sum(0, keepdim=True).clamp(-1, 1)
    return (out_frames, {"waveform": mix[None], "sample_rate": sr},
            {"waveforms": out_stems[None], "names": list(STEMS), "sample_rate": sr})


class TalkieExtendAV(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="TalkieExtendAV",
            display_name="Talkie Extend AV",
            category=CATEGORY,
            description="Makes a clip longer: window after window, each continuing the last overlap seconds of the "
                        "clip so far. Sound and picture stay on one clock; cost per added second is constant.",
            inputs=[
                TalkieModelType.Input("model", tooltip="From Talkie Load Model."),
                io.Conditioning.Input("positive", tooltip="What the continuation shows and sounds like."),
                io.Conditioning.Input("negative", tooltip="What to steer away from."),
                io.Image.Input("images", tooltip="The clip's frames so far."),
                io.Float.Input("fps", default=24.0, min=1.0, max=MAX_FPS, step=0.001, tooltip="The clip's frame rate."),
                io.Float.Input("extend_seconds", default=8.0, min=0.5, max=MAX_SECONDS, step=0.5,
                               tooltip="Seconds to add."),
                io.Float.Input("overlap_seconds", default=1.0, min=0.1, max=3.0, step=0.1,
                               tooltip="Seconds of context each window continues from."),
                io.Int.Input("seed", default=0, min=0, max=0xFFFFFFFFFFFFFFFF, control_after_generate=True,
                             tooltip="Window k uses seed + k."),
                io.Int.Input("steps", default=_D.steps, min=1, max=200, tooltip="Sampling steps per window."),
                io.Float.Input("video_guidance", default=_D.guidance.video, min=0.0, max=10.0, step=0.1,
                               tooltip="Guidance for the picture (1 = off)."),
                io.Float.Input("audio_guidance", default=_D.guidance.audio, min=0.0, max=10.0, step=0.1,
                               tooltip="Guidance for the sound (1 = off)."),
                io.Float.Input("sync_guidance", default=_D.guidance.sync, min=0.0, max=5.0, step=0.1,
                               tooltip="Sync guidance (0 = off)."),
                TalkieStemsType.Input("stems", optional=True, tooltip="The clip's stems (from AV Decode): keeps "
                                                                      "them separate in the continuation."),
                io.Audio.Input("audio", optional=True, tooltip="Or the clip's sound as plain AUDIO."),
            ],
            outputs=[io.Image.Output(display_name="images", tooltip="The longer clip's frames."),
                     io.Audio.Output(display_name="audio", tooltip="The longer clip's mix."),
                     TalkieStemsType.Output(display_name="stems", tooltip="The longer clip's stems.")],
        )

    @classmethod
    def execute(cls, model, positive, negative, images, fps, extend_seconds, overlap_seconds, seed, steps,
                video_guidance, audio_guidance, sync_guidance, stems=None, audio=None) -> io.NodeOutput:
        import comfy.model_management as mm
        import comfy.utils

        pbar = comfy.utils.ProgressBar(1)

        def on_window(i, n):
            mm.throw_exception_if_processing_interrupted()
            pbar.update_absolute(i, n)

        return io.NodeOutput(*run_extend(model, positive, negative, images, fps, extend_seconds, overlap_seconds, seed,
                                         steps, video_guidance, audio_guidance, sync_guidance, stems, audio,
                                         on_window))
