"""Talkie Text Encode: prompt (+ optional audio prompt) -> CONDITIONING in core format:
[[token states [1, L, 392] (MiniLM 384 + colour-name features 8), {"pooled_output": [1, 384], "talkie_audio": (...)}]].
Colour names the model never trained on are first said in its own colour words
(`models/colour_grounding.py`); the node shows what it replaced."""
from __future__ import annotations

import logging

from comfy_api.latest import io, ui

from ..models.colour_grounding import ColourVocabulary
from .types import CATEGORY, TalkieModelType

MAX_PROMPT_CHARS = 20000
log = logging.getLogger(__name__)


def encode(handle, prompt: str, audio_prompt: str | None, ground_colours: bool = True) -> tuple[list, str]:
    """(conditioning, a line naming each colour name said in the model's own words, or "")."""
    te, said = handle.text_encoder, []
    vocabulary = ColourVocabulary.from_meta(getattr(handle.model, "checkpoint_meta", None)) if ground_colours else None

    def say(text):
        if vocabulary is None or not text:
            return text
        out, done = vocabulary.ground(text)
        said.extend(done)
        return out

    main = te.encode(say(prompt))
    extra = {"pooled_output": main.pooled}
    if audio_prompt and audio_prompt.strip():
        aud = te.encode(say(audio_prompt))
        extra["talkie_audio"] = {"tokens": aud.tokens, "pooled": aud.pooled}
    note = ""
    if said:
        note = "read as: " + ", ".join(dict.fromkeys(f"{g.name} -> {g.said}" for g in said))
        log.info("Talkie Text Encode %s", note)
    return [[main.tokens, extra]], note


class TalkieTextEncode(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="TalkieTextEncode",
            display_name="Talkie Text Encode",
            category=CATEGORY,
            description="Encodes a prompt for the joint model. The picture and the sound both follow the prompt; "
                        "an optional audio prompt describes the sound separately. Colour names the model "
                        "never trained on are said with its nearest trained colour word first (ground_colours), "
                        "and every colour name also carries the colour the xkcd colour survey gives it.",
            inputs=[
                TalkieModelType.Input("model", tooltip="From Talkie Load Model (it carries the text encoder)."),
                io.String.Input("prompt", multiline=True, default="",
                                tooltip="What happens in the clip, e.g. 'a red rubber ball bouncing on the floor'."),
                io.String.Input("audio_prompt", multiline=True, default="", optional=True,
                                tooltip="Optional: what the clip sounds like. Empty = the audio follows the prompt."),
                io.Boolean.Input("ground_colours", default=True, optional=True,
                                 tooltip="Say colour names the model never trained on ('cobalt', 'lilac') with the "
                                         "trained colour word that looks nearest ('blue', 'purple'), per the xkcd "
                                         "colour survey. Only for models that record their colour words; the "
                                         "node shows each replacement after it runs. Off = the model reads the prompt as "
                                         "written."),
            ],
            outputs=[io.Conditioning.Output(tooltip="Core-format conditioning; core conditioning nodes work on it.")],
        )

    @classmethod
    def execute(cls, model, prompt, audio_prompt=None, ground_colours=True) -> io.NodeOutput:
        for name, text in (("prompt", prompt), ("audio_prompt", audio_prompt)):
            if text is not None and not isinstance(text, str):
                raise ValueError(f"{name} must be text, got {type(text).__name__}")
            if text is not None and len(text) > MAX_PROMPT_CHARS:
                raise ValueError(f"{name} is {len(text)} characters long; at most {MAX_PROMPT_CHARS} are accepted "
                                 "(the text encoder reads only the first few hundred words anyway)")
        conditioning, note = encode(model, prompt, audio_prompt, bool(ground_colours))
        return io.NodeOutput(conditioning, ui=ui.PreviewText(note))
