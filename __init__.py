"""Talkie: native audio + video generation for ComfyUI.

Kept thin on purpose: ComfyUI imports this file at start-up, and the headless CLI imports
`talkie.models` through it, so nothing heavy (and nothing from ComfyUI) is imported here.
"""

WEB_DIRECTORY = "./web"


async def comfy_entrypoint():
    from .nodes import TalkieExtension

    return TalkieExtension()


__all__ = ["WEB_DIRECTORY", "comfy_entrypoint"]
