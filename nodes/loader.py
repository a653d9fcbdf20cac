"""Talkie Load Model: a checkpoint from ComfyUI/models/talkie/ or the default that ships
with the pack. Safetensors only."""
from __future__ import annotations

import os

import folder_paths
from comfy_api.latest import io

from ..models.pipeline import DEFAULT_CHECKPOINT_NAME, default_checkpoint_path
from .types import CATEGORY, TalkieModelHandle, TalkieModelType

FOLDER = "talkie"
DEFAULT_CHOICE = f"(shipped) {DEFAULT_CHECKPOINT_NAME}"


# ComfyUI/models/talkie/ (extra_model_paths.yaml may add more folders under "talkie")
folder_paths.add_model_folder_path(FOLDER, os.path.join(folder_paths.models_dir, FOLDER))

_TEXT_ENCODER = None
_LINKED = object()  # validate_inputs' default: ComfyUI leaves linked inputs out
_LOADED: dict = {}


def shared_text_encoder():
    global _TEXT_ENCODER
    if _TEXT_ENCODER is None:
        from ..models.text_encoder import TextEncoder
        _TEXT_ENCODER = TextEncoder()
    return _TEXT_ENCODER


def checkpoint_choices() -> list[str]:
    files = [f for f in folder_paths.get_filename_list(FOLDER) if f.endswith(".safetensors")]
    return [DEFAULT_CHOICE] + sorted(files)


def resolve(choice: str) -> str:
    if not isinstance(choice, str):
        raise ValueError(f"checkpoint must be a file name, got {choice!r}")
    if choice == DEFAULT_CHOICE:
        return default_checkpoint_path()
    path = folder_paths.get_full_path(FOLDER, choice)
    if path is None:
        raise ValueError(f"checkpoint {choice!r} was not found in ComfyUI/models/{FOLDER}/")
    return path


def load_handle(path: str) -> TalkieModelHandle:
    import comfy.model_management as mm
    import comfy.model_patcher

    from ..models.av_model import TalkieModel

    key = (os.path.realpath(path), os.path.getmtime(path) if os.path.exists(path) else None)
    if key not in _LOADED:
        model = TalkieModel.load(path)
        patcher = comfy.model_patcher.ModelPatcher(model, load_device=mm.get_torch_device(),
                                                   offload_device=mm.unet_offload_device())
        _LOADED.clear()  # keep one model resident; ComfyUI caches node outputs anyway
        _LOADED[key] = TalkieModelHandle(patcher, shared_text_encoder(), os.path.basename(path))
    return _LOADED[key]


class TalkieLoadModel(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="TalkieLoadModel",
            display_name="Talkie Load Model",
            category=CATEGORY,
            description="Loads a Talkie joint audio-video model (codecs + transformer) and its text encoder. "
                        "Safetensors only: put your own checkpoints in ComfyUI/models/talkie/.",
            inputs=[io.Combo.Input("checkpoint", options=checkpoint_choices(), default=DEFAULT_CHOICE,
                                   tooltip="The model to load. The shipped default was trained on Talkie's "
                                           "procedural Foley world; see MODEL_CARD.md.")],
            outputs=[TalkieModelType.Output(display_name="model",
                                            tooltip="The joint model, ready for Text Encode, Empty AV Latent, "
                                                    "Joint Sampler and AV Decode.")],
        )

    @classmethod
    def validate_inputs(cls, checkpoint=_LINKED):
        # ComfyUI (0.3.75) does not check a V3 Combo's value against its options (and naming an
        # input here would turn its own checks off anyway): check it, and say why a pickle
        # checkpoint (never listed) is refused.
        if checkpoint is _LINKED:  # linked (no value yet): resolve() checks it when it runs
            return True
        if not isinstance(checkpoint, str):
            return f"checkpoint must be a file name, got {checkpoint!r}"
        if checkpoint in checkpoint_choices():
            return True
        if not checkpoint.endswith(".safetensors"):
            return (f"checkpoint {checkpoint!r} refused: only .safetensors files are loaded (pickle formats such "
                    "as .ckpt/.pt/.bin can run code when opened)")
        return f"checkpoint {checkpoint!r} is not in ComfyUI/models/{FOLDER}/; choose one of the listed files"

    @classmethod
    def execute(cls, checkpoint) -> io.NodeOutput:
        return io.NodeOutput(load_handle(resolve(checkpoint)))
