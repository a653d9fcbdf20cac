"""Talkie's own link type and the handle it carries."""
from __future__ import annotations

from dataclasses import dataclass

from comfy_api.latest import io

TalkieModelType = io.Custom("TALKIE_MODEL")
# The four decoded stems: {"waveforms": [B, 4, N], "names": STEMS, "sample_rate": int}
TalkieStemsType = io.Custom("TALKIE_STEMS")
CATEGORY = "Talkie"


@dataclass
class TalkieModelHandle:
    """What flows along a TALKIE_MODEL link: the model wrapped in a ModelPatcher (so
    ComfyUI's memory management can load and offload it), plus the frozen text encoder."""
    patcher: object          # comfy.model_patcher.ModelPatcher around a TalkieModel
    text_encoder: object     # talkie.models.text_encoder.TextEncoder
    name: str

    @property
    def model(self):
        return self.patcher.model

    def load(self):
        """Bring the weights to the compute device; returns the TalkieModel."""
        import comfy.model_management as mm
        mm.load_models_gpu([self.patcher])
        return self.patcher.model

    @property
    def device(self):
        return self.patcher.load_device
