"""Talkie Save AV: IMAGE + AUDIO + fps -> an MP4 (H.264 yuv420p + AAC) in the output
folder, with the prompt and workflow in its metadata, a preview in the node, and a VIDEO
output that core Save Video / Get Video Components accept."""
from __future__ import annotations

import json
import os
from fractions import Fraction

import folder_paths
import torch
from comfy_api.latest import InputImpl, Types, io, ui

from ..models.limits import MAX_FPS, MAX_VIDEO_PIXELS, check_number
from ..models.media import as_fraction, num_audio_samples, write_av_mp4
from .media_inputs import check_audio, check_frames
from .types import CATEGORY


def confined_save_path(filename_prefix: str, width: int, height: int) -> tuple[str, str, str]:
    """(full path, file name, subfolder) inside the output folder, or a clear error.

    ComfyUI's own check compares absolute paths; this one also resolves symlinks, so a
    link inside the output folder cannot send the file elsewhere."""
    if not isinstance(filename_prefix, str) or not filename_prefix.strip():
        raise ValueError("filename_prefix must be a non-empty text")
    if "\x00" in filename_prefix:
        raise ValueError("filename_prefix contains a NUL character")
    if len(filename_prefix) > 200:
        raise ValueError(f"filename_prefix is too long ({len(filename_prefix)} characters, at most 200)")
    prefix = filename_prefix.replace("\\", "/")
    out_dir = folder_paths.get_output_directory()
    real_out = os.path.realpath(out_dir)

    def inside(folder: str) -> bool:
        return os.path.commonpath([real_out, os.path.realpath(folder)]) == real_out

    # Check before ComfyUI's get_save_image_path, which creates the folder (and compares
    # absolute paths without resolving symlinks, so a linked folder would be made outside).
    if os.path.isabs(prefix) or not inside(os.path.dirname(os.path.join(out_dir, os.path.normpath(prefix)))):
        raise ValueError(f"filename_prefix {filename_prefix!r} would save outside the output folder")
    folder, name, counter, subfolder, _ = folder_paths.get_save_image_path(prefix, out_dir, width, height)
    if not inside(folder):
        raise ValueError(f"filename_prefix {filename_prefix!r} would save outside the output folder")
    os.makedirs(folder, exist_ok=True)
    file = f"{name}_{counter:05}_.mp4"
    path = os.path.join(folder, file)
    if os.path.islink(path):
        raise ValueError(f"refusing to overwrite the symlink {file!r} in the output folder")
    return path, file, subfolder


def prepare_audio(audio, num_frames: int, fps) -> tuple[torch.Tensor, int]:
    """AUDIO -> [C, N] with exactly frames x rate / fps samples (pad or trim)."""
    wave, sr = check_audio(audio)
    if wave.shape[0] > 2:
        wave = wave[:2]
    n = num_audio_samples(num_frames, fps, sr)
    if wave.shape[1] < n:
        wave = torch.nn.functional.pad(wave, (0, n - wave.shape[1]))
    return wave[:, :n].clamp(-1, 1), sr


def check_images(images) -> torch.Tensor:
    """The mux's own bounds: any size up to 8192 px a side (odd sizes are padded later),
    within the shared pixel budget."""
    return check_frames(images, min_side=1, max_side=8192, max_pixels=MAX_VIDEO_PIXELS)


class TalkieSaveAV(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="TalkieSaveAV",
            display_name="Talkie Mux / Save AV",
            category=CATEGORY,
            description="Muxes frames and sound into an MP4 (H.264 + AAC, audio aligned to the sample) in the output "
                        "folder, with the prompt and workflow embedded, and plays it in the node.",
            inputs=[
                io.Image.Input("images", tooltip="Frames, e.g. from Talkie AV Decode or any image node."),
                io.Audio.Input("audio", tooltip="Sound; padded or trimmed to exactly the video's length."),
                io.Float.Input("fps", default=24.0, min=1.0, max=MAX_FPS, step=0.001,
                               tooltip="Frame rate of the images. Connect AV Decode's fps output."),
                io.String.Input("filename_prefix", default="talkie/clip",
                                tooltip="Where to save, relative to ComfyUI's output folder. Paths that leave the "
                                        "output folder are refused."),
            ],
            outputs=[io.Video.Output(tooltip="The clip as a VIDEO, for core Save Video / Get Video Components.")],
            hidden=[io.Hidden.prompt, io.Hidden.extra_pnginfo],
            is_output_node=True,
        )

    @classmethod
    def execute(cls, images, audio, fps, filename_prefix) -> io.NodeOutput:
        import comfy.model_management as mm
        from comfy.cli_args import args

        check_number("fps", fps, 1.0, MAX_FPS)
        frames = check_images(images)
        T, H, W, _ = frames.shape
        if H % 2 or W % 2:  # yuv420p needs even sides: pad by repeating the last row/column
            frames = torch.nn.functional.pad(frames.permute(0, 3, 1, 2), (0, W % 2, 0, H % 2), mode="replicate")
            frames = frames.permute(0, 2, 3, 1)
            H, W = frames.shape[1:3]
        wave, sr = prepare_audio(audio, T, fps)
        path, file, subfolder = confined_save_path(filename_prefix, W, H)
        metadata = {}
        if not args.disable_metadata:
            if cls.hidden.extra_pnginfo is not None:
                metadata.update({k: json.dumps(v) for k, v in cls.hidden.extra_pnginfo.items()})
            if cls.hidden.prompt is not None:
                metadata["prompt"] = json.dumps(cls.hidden.prompt)
        write_av_mp4(path, frames, wave, fps, sr, metadata=metadata,
                     should_stop=mm.throw_exception_if_processing_interrupted)
        video = InputImpl.VideoFromComponents(Types.VideoComponents(
            images=frames, audio={"waveform": wave[None], "sample_rate": sr}, frame_rate=Fraction(as_fraction(fps))))
        return io.NodeOutput(video, ui=ui.PreviewVideo([ui.SavedResult(file, subfolder, io.FolderType.output)]))
