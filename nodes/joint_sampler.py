"""Talkie Joint Sampler: one diffusion process over picture and sound together."""
from __future__ import annotations

import torch
from comfy_api.latest import io

from ..models.limits import check_number
from ..models.pipeline import SamplingSettings, make_noise, token_times
from ..models.sampler import Conditioning, Guidance, sample
from .conditioning import to_text_embeddings
from .latent import check_latent_fits, make_latent, read_latent
from .types import CATEGORY, TalkieModelType

_D = SamplingSettings()


def preview_image(model, x0_video, cfg, frames_shown: int = 4):
    """A strip of frames decoded from the current clean-latent estimate."""
    from PIL import Image

    with torch.no_grad():
        L = x0_video.shape[1]
        idx = torch.linspace(0, L - 1, min(frames_shown, L)).round().long()
        # each shown token decoded on its own (a batch of one-token clips): decoded as one
        # sequence, a decoder with temporal layers would mix tokens seconds apart
        frames = model.decode_video(x0_video[0, idx, None].float(), cfg.with_seconds(cfg.frames_per_latent / cfg.fps))
        strip = frames[:, 0].clamp(0, 1)                                 # one frame per token shown
        strip = torch.cat(list(strip), dim=1)                            # [H, W*n, 3]
        img = Image.fromarray((strip.numpy() * 255).astype("uint8")).resize((strip.shape[1] * 2, strip.shape[0] * 2))
    return ("JPEG", img, 512)


def run_sampler(handle, positive, negative, latent, seed, steps, video_guidance, audio_guidance, sync_guidance,
                sampler_name, denoise, shift=_D.shift, on_step=None):
    model = handle.load()
    video, audio, cfg, size, keep_v, keep_a = read_latent(latent)
    check_latent_fits(model, video, audio)
    B = video.shape[0]
    text_v, text_a = to_text_embeddings(positive, B)
    neg_v, neg_a = to_text_embeddings(negative, B)
    nv, na = make_noise(model, cfg, B, seed)
    tv, ta = token_times(cfg, B)
    has_init = bool(keep_v.any() or keep_a.any() or denoise < 1.0)
    guidance = Guidance(video=video_guidance, audio=audio_guidance, sync=sync_guidance, interval=_D.guidance.interval)
    zv, za = sample(model.joint, nv, na, tv, ta, Conditioning(text_v, text_a, neg_v, neg_a), steps=steps,
                    method=sampler_name, shift=shift, guidance=guidance, denoise=denoise,
                    init_v=video if has_init else None, init_a=audio if has_init else None,
                    keep_v=keep_v, keep_a=keep_a, callback=on_step)
    out = make_latent(zv, za, cfg, size, keep_v if keep_v.any() else None, keep_a if keep_a.any() else None)
    return out


class TalkieJointSampler(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="TalkieJointSampler",
            display_name="Talkie Joint Sampler",
            category=CATEGORY,
            description="Denoises picture and sound together in one diffusion process, so sounds land on the "
                        "events they belong to. Tokens marked as kept in the latent's noise mask stay fixed.",
            inputs=[
                TalkieModelType.Input("model", tooltip="From Talkie Load Model."),
                io.Conditioning.Input("positive", tooltip="What the clip should show and sound like."),
                io.Conditioning.Input("negative", tooltip="What to steer away from (an empty prompt is a good "
                                                          "default)."),
                io.Latent.Input("latent", tooltip="From Talkie Empty AV Latent or Talkie AV Encode."),
                io.Int.Input("seed", default=0, min=0, max=0xFFFFFFFFFFFFFFFF, control_after_generate=True,
                             tooltip="Same seed and inputs give the same clip."),
                io.Int.Input("steps", default=_D.steps, min=1, max=200,
                             tooltip="Sampling steps. Heun evaluates the model about twice per step."),
                io.Float.Input("video_guidance", default=_D.guidance.video, min=0.0, max=10.0, step=0.1,
                               tooltip="Classifier-free guidance for the picture. 1 = off. 1.5 (default) paints the "
                                       "asked colour a little more often at about the same sync; 3 and above start to draw "
                                       "paraphrased prompts as the wrong kind of scene (MODEL_CARD.md)."),
                io.Float.Input("audio_guidance", default=_D.guidance.audio, min=0.0, max=10.0, step=0.1,
                               tooltip="Classifier-free guidance for the sound. 1 = off."),
                io.Float.Input("sync_guidance", default=_D.guidance.sync, min=0.0, max=5.0, step=0.1,
                               tooltip="Pushes away from a pass without audio-video attention, tightening sync. "
                                       "2 tightens timing across scene kinds further, not the bouncing ball's "
                                       "(MODEL_CARD.md). 0 = off (one model pass fewer per step)."),
                io.Combo.Input("sampler", options=["heun", "euler"], default=_D.method,
                               tooltip="heun: second order, better per step; euler: one pass per step."),
                io.Float.Input("denoise", default=1.0, min=0.01, max=1.0, step=0.01,
                               tooltip="1 = generate from noise; lower keeps more of the input latent."),
            ],
            outputs=[io.Latent.Output(tooltip="The denoised AV latent, for Talkie AV Decode.")],
        )

    @classmethod
    def validate_inputs(cls, sampler="heun"):  # linked inputs are left out: the default stands in
        # ComfyUI (0.3.75) does not check a V3 Combo's value against its options: do it here.
        if sampler not in ("heun", "euler"):
            return f"sampler must be 'heun' or 'euler', got {sampler!r}"
        return True

    @classmethod
    def execute(cls, model, positive, negative, latent, seed, steps, video_guidance, audio_guidance, sync_guidance,
                sampler, denoise) -> io.NodeOutput:
        import comfy.model_management as mm
        import comfy.utils

        # NaN passes ComfyUI's min/max check (every comparison with NaN is False): re-check here.
        check_number("video_guidance", video_guidance, 0.0, 10.0)
        check_number("audio_guidance", audio_guidance, 0.0, 10.0)
        check_number("sync_guidance", sync_guidance, 0.0, 5.0)
        check_number("denoise", denoise, 0.01, 1.0)
        check_number("steps", steps, 1, 200)
        video, _, cfg = read_latent(latent)[:3]
        if not 0 <= int(seed) <= 0xFFFFFFFFFFFFFFFF - (video.shape[0] - 1):
            raise ValueError(f"seed must be between 0 and 2**64 - batch size ({video.shape[0]}), got {seed}")
        pbar = comfy.utils.ProgressBar(steps)

        def on_step(i, total, x0v, x0a):
            mm.throw_exception_if_processing_interrupted()
            pbar.update_absolute(i, total, preview_image(model.model, x0v, cfg))

        return io.NodeOutput(run_sampler(model, positive, negative, latent, seed, steps, video_guidance,
                                         audio_guidance, sync_guidance, sampler, denoise, on_step=on_step))
