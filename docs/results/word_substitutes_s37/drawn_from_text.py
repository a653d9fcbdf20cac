"""Shared by this folder's generation checks: one validation scene generated (fp32, one
thread) with the text embedding the check gives in place of its prompt's, and read by the
detectors. Imported by swap.py, substituted_captions.py and blanked_family_words.py."""
from dataclasses import replace

import torch

from talkie.models.evaluation.clipdata import ClipData
from talkie.models.evaluation.evaluate import evaluate_clip, native_clip_config
from talkie.models.pipeline import Generator, SamplingSettings

torch.set_num_threads(1)


class DrawnFromText:
    def __init__(self, checkpoint: str):
        self.gen = Generator.from_checkpoint(checkpoint)
        self.cfg = native_clip_config(self.gen.model)
        self.settings = replace(SamplingSettings(), autocast=False)

    def read(self, prompt: str, scene: dict, seed: int, text=None) -> dict:
        """Generate `prompt` (both streams read `text` where given) and read it against `scene`."""
        gen, cfg = self.gen, self.cfg
        if text is not None:  # for this call only: the instance attribute hides the method
            gen.conditioning = lambda *a, **k: replace(Generator.conditioning(gen, *a, **k), video=text, audio=text)
        try:
            out = gen.generate(prompt, seconds=cfg.seconds, fps=cfg.fps, seed=seed, width=cfg.width,
                               height=cfg.height, settings=self.settings)
        finally:
            gen.__dict__.pop("conditioning", None)
        return evaluate_clip(ClipData.from_generated(out), scene)
