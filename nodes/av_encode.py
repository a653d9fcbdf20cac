"""Talkie AV Encode: given frames and/or sound -> an AV latent whose noise mask holds them
fixed. image->AV, video->audio (Foley), audio->video all start here."""
from __future__ import annotations

from comfy_api.latest import io

from ..models.config import STEMS
from ..models.editing import HOLD_MODES, encode_media, stems_from_audio
from ..models.limits import MAX_FPS, MAX_SECONDS, MAX_SIDE, check_number, validate_clip_request
from .latent import make_latent
from .media_inputs import check_audio, check_frames
from .types import CATEGORY, TalkieModelType


def av_encode(handle, fps, seconds, width, height, video_mode, audio_mode, keep_seconds, audio_stem,
              images=None, audio=None):
    check_number("fps", fps, 1.0, MAX_FPS)
    frames = check_frames(images) if images is not None else None
    wave = check_audio(audio) if audio is not None else None
    if seconds <= 0:  # "as long as the given media"
        if frames is not None and frames.shape[0] > 1:
            seconds = frames.shape[0] / fps
        elif wave is not None:  # whole frames only: decoded AAC often carries a few padding samples
            seconds = max(1, int(wave[0].shape[1] * fps / wave[1])) / fps
        else:
            raise ValueError("seconds is 0 ('as long as the input') but no video or audio is connected")
    validate_clip_request(seconds, fps, width, height)
    model = handle.load()
    cfg = model.clip_config(seconds, fps)
    stems = stems_from_audio(wave[0], wave[1], cfg, audio_stem) if wave is not None else None
    enc = encode_media(model, cfg, frames, stems, video_mode, audio_mode, keep_seconds)
    return make_latent(enc.video, enc.audio, cfg, (width, height), enc.keep_v, enc.keep_a)


class TalkieAVEncode(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="TalkieAVEncode",
            display_name="Talkie AV Encode",
            category=CATEGORY,
            description="Encodes given frames and/or sound into an AV latent and marks what to keep: a first frame "
                        "(image->AV), the whole picture (video->audio Foley), the whole sound (audio->video), or the "
                        "first seconds. The Joint Sampler generates the rest, in sync with what is kept.",
            inputs=[
                TalkieModelType.Input("model", tooltip="From Talkie Load Model."),
                io.Float.Input("fps", default=24.0, min=1.0, max=MAX_FPS, step=0.001,
                               tooltip="Frame rate of the given frames (and of the clip). Always explicit: it is "
                                       "never guessed from a frame count."),
                io.Float.Input("seconds", default=0.0, min=0.0, max=MAX_SECONDS, step=0.5,
                               tooltip="Clip length. 0 = as long as the given video (or audio)."),
                io.Int.Input("width", default=256, min=16, max=MAX_SIDE, step=2, tooltip="Output width (even)."),
                io.Int.Input("height", default=256, min=16, max=MAX_SIDE, step=2, tooltip="Output height (even)."),
                io.Combo.Input("video_mode", options=list(HOLD_MODES), default="keep all",
                               tooltip="What to keep of the given frames. 'keep first frame' continues an image."),
                io.Combo.Input("audio_mode", options=list(HOLD_MODES), default="regenerate",
                               tooltip="What to keep of the given sound."),
                io.Float.Input("keep_seconds", default=1.0, min=0.0, max=MAX_SECONDS, step=0.1,
                               tooltip="For 'keep first seconds': how many seconds to keep."),
                io.Combo.Input("audio_stem", options=list(STEMS), default="effects",
                               tooltip="Which stem the given sound is: speech -> voice (the face mouths it), "
                                       "impacts -> effects, rain -> ambience, notes -> music."),
                io.Image.Input("images", optional=True, tooltip="Frames (a video) or one image (image->AV)."),
                io.Audio.Input("audio", optional=True, tooltip="Sound at any sample rate, mono or stereo; "
                                                               "resampled to the model's rate."),
            ],
            outputs=[io.Latent.Output(tooltip="An AV latent with a noise mask, for the Joint Sampler.")],
        )

    @classmethod
    def validate_inputs(cls, video_mode="regenerate", audio_mode="regenerate", audio_stem="effects"):
        # ComfyUI 0.3.75 does not check a V3 Combo's value against its options: do it here.
        for name, value, options in (("video_mode", video_mode, HOLD_MODES), ("audio_mode", audio_mode, HOLD_MODES),
                                     ("audio_stem", audio_stem, STEMS)):
            if value not in options:
                return f"{name} must be one of {list(options)}, got {value!r}"
        return True

    @classmethod
    def execute(cls, model, fps, seconds, width, height, video_mode, audio_mode, keep_seconds, audio_stem,
                images=None, audio=None) -> io.NodeOutput:
        return io.NodeOutput(av_encode(model, fps, seconds, width, height, video_mode, audio_mode, keep_seconds,
                                       audio_stem, images, audio))
