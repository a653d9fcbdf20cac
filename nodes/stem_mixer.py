"""Talkie Stem Mixer: re-balance effects, ambience, voice and music after generation,
without sampling again."""
from __future__ import annotations

import torch
from comfy_api.latest import io

from ..models.config import STEMS
from .media_inputs import check_stems
from .types import CATEGORY, TalkieStemsType



def mix(stems, gains_db: dict, mutes: dict, solo: str):
    w, sr = check_stems(stems)
    gains = []
    for name in STEMS:
        g = float(gains_db[name])
        if not -60.0 <= g <= 24.0 or g != g:
            raise ValueError(f"{name} gain must be between -60 and +24 dB, got {g}")
        on = (solo == name) if solo != "none" else not mutes[name]
        gains.append(10 ** (g / 20) if on else 0.0)
    scaled = w * torch.tensor(gains)[None, :, None]
    mixed = scaled.sum(1, keepdim=True).clamp(-1, 1)
    each = [{"waveform": scaled[:, i:i + 1].clamp(-1, 1), "sample_rate": sr} for i in range(len(STEMS))]
    return {"waveform": mixed, "sample_rate": sr}, each


class TalkieStemMixer(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        gain = lambda n: io.Float.Input(f"{n}_db", default=0.0, min=-60.0, max=24.0, step=0.5,  # noqa: E731
                                        tooltip=f"Gain of the {n} stem in dB (0 = as generated).")
        mute = lambda n: io.Boolean.Input(f"mute_{n}", default=False, tooltip=f"Silence the {n} stem.")  # noqa: E731
        return io.Schema(
            node_id="TalkieStemMixer",
            display_name="Talkie Stem Mixer",
            category=CATEGORY,
            description="Mixes the four generated stems with your own levels (dialogue up, music down...), with "
                        "solo and mute. No re-sampling: the picture and timing stay exactly as generated.",
            inputs=[TalkieStemsType.Input("stems", tooltip="From Talkie AV Decode's stems output.")]
                   + [gain(n) for n in STEMS] + [mute(n) for n in STEMS]
                   + [io.Combo.Input("solo", options=["none", *STEMS], default="none",
                                     tooltip="Hear only one stem (overrides the mutes).")],
            outputs=[io.Audio.Output(display_name="mix", tooltip="The re-balanced mix.")]
                    + [io.Audio.Output(display_name=n, tooltip=f"The {n} stem alone, with its gain.") for n in STEMS],
        )

    @classmethod
    def validate_inputs(cls, solo="none"):
        # ComfyUI 0.3.75 does not check a V3 Combo's value against its options: do it here.
        if solo not in ("none", *STEMS):
            return f"solo must be one of {['none', *STEMS]}, got {solo!r}"
        return True

    @classmethod
    def execute(cls, stems, solo, **kw) -> io.NodeOutput:
        mixed, each = mix(stems, {n: kw[f"{n}_db"] for n in STEMS}, {n: kw[f"mute_{n}"] for n in STEMS}, solo)
        return io.NodeOutput(mixed, *each)
