"""Writes the shipped UI-format workflows in workflows/ from compact graph descriptions.

Run after changing a node's inputs: `python scripts/build_workflows.py`. The UI format is
what the ComfyUI frontend saves and loads (nodes, links, widgets_values in widget order);
tests convert it to an API prompt through /object_info and run it on a real server."""
from __future__ import annotations

import json
import os
import uuid

from talkie.models.pipeline import SamplingSettings

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "workflows")

# the shipped sampler defaults (one source: SamplingSettings), as the sampler's widgets
_S = SamplingSettings()
GUIDANCE = {"video_guidance": _S.guidance.video, "audio_guidance": _S.guidance.audio, "sync_guidance": _S.guidance.sync}
SAMPLER = {"steps": _S.steps, **GUIDANCE, "sampler": _S.method, "denoise": 1.0}

# node type -> (inputs [(name, type, is_widget)], outputs [(name, type)])
NODES = {
    "TalkieLoadModel": ([("checkpoint", "COMBO", True)], [("model", "TALKIE_MODEL")]),
    "TalkieTextEncode": ([("model", "TALKIE_MODEL", False), ("prompt", "STRING", True),
                          ("audio_prompt", "STRING", True), ("ground_colours", "BOOLEAN", True)],
                         [("CONDITIONING", "CONDITIONING")]),
    "TalkieEmptyAVLatent": ([("model", "TALKIE_MODEL", False), ("seconds", "FLOAT", True), ("fps", "FLOAT", True),
                             ("width", "INT", True), ("height", "INT", True), ("batch_size", "INT", True)],
                            [("LATENT", "LATENT")]),
    "TalkieJointSampler": ([("model", "TALKIE_MODEL", False), ("positive", "CONDITIONING", False),
                            ("negative", "CONDITIONING", False), ("latent", "LATENT", False), ("seed", "INT", True),
                            ("steps", "INT", True), ("video_guidance", "FLOAT", True),
                            ("audio_guidance", "FLOAT", True), ("sync_guidance", "FLOAT", True),
                            ("sampler", "COMBO", True), ("denoise", "FLOAT", True)], [("LATENT", "LATENT")]),
    "TalkieAVDecode": ([("model", "TALKIE_MODEL", False), ("latent", "LATENT", False)],
                       [("images", "IMAGE"), ("audio", "AUDIO"), ("fps", "FLOAT"), ("stems", "TALKIE_STEMS")]),
    "TalkieSaveAV": ([("images", "IMAGE", False), ("audio", "AUDIO", False), ("fps", "FLOAT", True),
                      ("filename_prefix", "STRING", True)], [("VIDEO", "VIDEO")]),
    "TalkieAVEncode": ([("model", "TALKIE_MODEL", False), ("fps", "FLOAT", True), ("seconds", "FLOAT", True),
                        ("width", "INT", True), ("height", "INT", True), ("video_mode", "COMBO", True),
                        ("audio_mode", "COMBO", True), ("keep_seconds", "FLOAT", True), ("audio_stem", "COMBO", True),
                        ("images", "IMAGE", False), ("audio", "AUDIO", False)], [("LATENT", "LATENT")]),
    "TalkieExtendAV": ([("model", "TALKIE_MODEL", False), ("positive", "CONDITIONING", False),
                        ("negative", "CONDITIONING", False), ("images", "IMAGE", False), ("fps", "FLOAT", True),
                        ("extend_seconds", "FLOAT", True), ("overlap_seconds", "FLOAT", True), ("seed", "INT", True),
                        ("steps", "INT", True), ("video_guidance", "FLOAT", True), ("audio_guidance", "FLOAT", True),
                        ("sync_guidance", "FLOAT", True), ("stems", "TALKIE_STEMS", False), ("audio", "AUDIO", False)],
                       [("images", "IMAGE"), ("audio", "AUDIO"), ("stems", "TALKIE_STEMS")]),
    "TalkieStemMixer": ([("stems", "TALKIE_STEMS", False)]
                        + [(f"{n}_db", "FLOAT", True) for n in ("effects", "ambience", "voice", "music")]
                        + [(f"mute_{n}", "BOOLEAN", True) for n in ("effects", "ambience", "voice", "music")]
                        + [("solo", "COMBO", True)],
                        [("mix", "AUDIO"), ("effects", "AUDIO"), ("ambience", "AUDIO"), ("voice", "AUDIO"),
                         ("music", "AUDIO")]),
    "TalkieSyncReport": ([("images", "IMAGE", False), ("audio", "AUDIO", False), ("fps", "FLOAT", True),
                          ("visual_events", "COMBO", True), ("tolerance_ms", "FLOAT", True)],
                         [("report", "STRING"), ("plot", "IMAGE")]),
    "PreviewImage": ([("images", "IMAGE", False)], []),
    "LoadImage": ([("image", "COMBO", True)], [("IMAGE", "IMAGE"), ("MASK", "MASK")]),
    "LoadVideo": ([("file", "COMBO", True)], [("VIDEO", "VIDEO")]),
    "GetVideoComponents": ([("video", "VIDEO", False)], [("images", "IMAGE"), ("audio", "AUDIO"), ("fps", "FLOAT")]),
    "ImageScale": ([("image", "IMAGE", False), ("upscale_method", "COMBO", True), ("width", "INT", True),
                    ("height", "INT", True), ("crop", "COMBO", True)], [("IMAGE", "IMAGE")]),
    "CreateVideo": ([("images", "IMAGE", False), ("fps", "FLOAT", True), ("audio", "AUDIO", False)],
                    [("VIDEO", "VIDEO")]),
    "SaveVideo": ([("video", "VIDEO", False), ("filename_prefix", "STRING", True), ("format", "COMBO", True),
                   ("codec", "COMBO", True)], []),
}
TITLES = {"TalkieLoadModel": "Talkie Load Model", "TalkieTextEncode": "Talkie Text Encode",
          "TalkieEmptyAVLatent": "Talkie Empty AV Latent", "TalkieJointSampler": "Talkie Joint Sampler",
          "TalkieAVDecode": "Talkie AV Decode", "TalkieSaveAV": "Talkie Mux / Save AV",
          "TalkieAVEncode": "Talkie AV Encode", "TalkieExtendAV": "Talkie Extend AV",
          "TalkieStemMixer": "Talkie Stem Mixer", "TalkieSyncReport": "Talkie Sync Report"}
SEED_WIDGETS = {("TalkieJointSampler", "seed"), ("TalkieExtendAV", "seed")}
UPLOAD_WIDGETS = {("LoadImage", "image"): "image", ("LoadVideo", "file"): "video"}


def build(spec: list[dict], note: str) -> dict:
    """spec: [{"id", "type", "pos", "widgets": {name: value}, "links": {input: (src_id, src_slot)}, "title"?}]"""
    nodes, links = [], []
    by_id = {n["id"]: n for n in spec}
    out_links: dict = {}
    for n in spec:
        # a node's `inputs` array holds its sockets plus the widgets converted to inputs
        socket_names = [nm for nm, _, is_widget in NODES[n["type"]][0] if not is_widget or nm in n.get("links", {})]
        for inp, (src, slot) in n.get("links", {}).items():
            lid = len(links) + 1
            typ = dict((nm, t) for nm, t, _ in NODES[n["type"]][0])[inp]
            links.append([lid, src, slot, n["id"], socket_names.index(inp), typ])
            out_links.setdefault((src, slot), []).append(lid)
    for order, n in enumerate(spec):
        ins, outs = NODES[n["type"]]
        linked = {}
        for lid, src, slot, dst, dslot, typ in links:
            if dst == n["id"]:
                name = [nm for nm, _, w in ins if not w or nm in n.get("links", {})][dslot]
                linked[name] = lid
        inputs, widgets = [], []
        for name, typ, is_widget in ins:
            if is_widget:
                widgets.append(n["widgets"][name])
                if (n["type"], name) in SEED_WIDGETS:
                    widgets.append("fixed")  # control_after_generate
                if (n["type"], name) in UPLOAD_WIDGETS:
                    widgets.append(UPLOAD_WIDGETS[(n["type"], name)])  # the upload button's value
                if name in linked:  # a widget converted to an input
                    inputs.append({"name": name, "type": typ, "widget": {"name": name}, "link": linked[name]})
            else:
                inputs.append({"name": name, "type": typ, "link": linked.get(name)})
        outputs = [{"name": nm, "type": typ, "links": out_links.get((n["id"], i), []), "slot_index": i}
                   for i, (nm, typ) in enumerate(outs)]
        node = {"id": n["id"], "type": n["type"], "pos": list(n["pos"]), "size": n.get("size", [320, 140]),
                "flags": {}, "order": order, "mode": 0, "inputs": inputs, "outputs": outputs,
                "properties": {"Node name for S&R": n["type"]}, "widgets_values": widgets}
        if n.get("title") or n["type"] in TITLES:
            node["title"] = n.get("title") or TITLES[n["type"]]
        nodes.append(node)
    nodes.append({"id": max(by_id) + 1, "type": "Note", "pos": [20, 700], "size": [420, 160], "flags": {},
                  "order": len(spec), "mode": 0, "inputs": [], "outputs": [], "properties": {},
                  "widgets_values": [note]})
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "talkie/" + note)), "revision": 0, "last_node_id": max(by_id) + 1,
            "last_link_id": len(links), "nodes": nodes, "links": links, "groups": [], "config": {},
            "extra": {"ds": {"scale": 0.8, "offset": [0, 0]}}, "version": 0.4}


def text_to_av_core(prompt: str, seconds: float = 4.0, seed: int = 42) -> list[dict]:
    return [
        {"id": 1, "type": "TalkieLoadModel", "pos": [20, 60], "widgets": {"checkpoint": "(shipped) talkie-s.safetensors"}},
        {"id": 2, "type": "TalkieTextEncode", "pos": [380, 20], "size": [380, 210],
         "widgets": {"prompt": prompt, "audio_prompt": "", "ground_colours": True}, "links": {"model": (1, 0)}, "title": "Prompt"},
        {"id": 3, "type": "TalkieTextEncode", "pos": [380, 280], "size": [380, 160],
         "widgets": {"prompt": "", "audio_prompt": "", "ground_colours": True}, "links": {"model": (1, 0)}, "title": "Negative prompt"},
        {"id": 4, "type": "TalkieEmptyAVLatent", "pos": [380, 505],
         "widgets": {"seconds": seconds, "fps": 24.0, "width": 256, "height": 256, "batch_size": 1},
         "links": {"model": (1, 0)}},
        {"id": 5, "type": "TalkieJointSampler", "pos": [800, 60], "size": [320, 300],
         "widgets": {"seed": seed, **SAMPLER},
         "links": {"model": (1, 0), "positive": (2, 0), "negative": (3, 0), "latent": (4, 0)}},
        {"id": 6, "type": "TalkieAVDecode", "pos": [1160, 60], "links": {"model": (1, 0), "latent": (5, 0)}},
    ]


def conditioned_tail(prompt: str, latent_src: tuple, seed: int, audio_prompt: str = "") -> list[dict]:
    """Load model + prompts + sampler + decode, sampling `latent_src` (node id, slot)."""
    return [
        {"id": 1, "type": "TalkieLoadModel", "pos": [20, 60], "widgets": {"checkpoint": "(shipped) talkie-s.safetensors"}},
        {"id": 2, "type": "TalkieTextEncode", "pos": [380, 20], "size": [380, 210],
         "widgets": {"prompt": prompt, "audio_prompt": audio_prompt, "ground_colours": True}, "links": {"model": (1, 0)}, "title": "Prompt"},
        {"id": 3, "type": "TalkieTextEncode", "pos": [380, 280], "size": [380, 160],
         "widgets": {"prompt": "", "audio_prompt": "", "ground_colours": True}, "links": {"model": (1, 0)}, "title": "Negative prompt"},
        {"id": 5, "type": "TalkieJointSampler", "pos": [1180, 60], "size": [320, 300],
         "widgets": {"seed": seed, **SAMPLER},
         "links": {"model": (1, 0), "positive": (2, 0), "negative": (3, 0), "latent": latent_src}},
        {"id": 6, "type": "TalkieAVDecode", "pos": [1540, 60], "links": {"model": (1, 0), "latent": (5, 0)}},
    ]


def encode_node(widgets: dict, links: dict) -> dict:
    base = {"fps": 24.0, "seconds": 0.0, "width": 256, "height": 256, "video_mode": "regenerate",
            "audio_mode": "regenerate", "keep_seconds": 1.0, "audio_stem": "effects"}
    base.update(widgets)
    return {"id": 4, "type": "TalkieAVEncode", "pos": [800, 380], "size": [340, 300], "widgets": base,
            "links": dict({"model": (1, 0)}, **links)}


def main():
    os.makedirs(OUT, exist_ok=True)
    t2av = text_to_av_core("a red rubber ball bouncing on the floor") + [
        {"id": 7, "type": "TalkieSaveAV", "pos": [1500, 60], "size": [360, 420],
         "widgets": {"fps": 24.0, "filename_prefix": "talkie/text_to_av"},
         "links": {"images": (6, 0), "audio": (6, 1), "fps": (6, 2)}},
        {"id": 8, "type": "TalkieSyncReport", "pos": [1160, 260], "size": [320, 300],
         "widgets": {"fps": 24.0, "visual_events": "auto", "tolerance_ms": 45.0},
         "links": {"images": (6, 0), "audio": (6, 1), "fps": (6, 2)}},
        {"id": 9, "type": "PreviewImage", "pos": [1160, 620], "size": [480, 260], "links": {"images": (8, 1)},
         "title": "Sync at a glance"},
    ]
    core = text_to_av_core("hands clapping quickly", seed=7) + [
        {"id": 7, "type": "ImageScale", "pos": [1500, 20],
         "widgets": {"upscale_method": "bilinear", "width": 320, "height": 320, "crop": "disabled"},
         "links": {"image": (6, 0)}},
        {"id": 8, "type": "TalkieSaveAV", "pos": [1860, 20], "size": [360, 420],
         "widgets": {"fps": 24.0, "filename_prefix": "talkie/core_scaled"},
         "links": {"images": (7, 0), "audio": (6, 1), "fps": (6, 2)}},
        {"id": 9, "type": "CreateVideo", "pos": [1500, 300], "widgets": {"fps": 24.0},
         "links": {"images": (6, 0), "audio": (6, 1), "fps": (6, 2)}},
        {"id": 10, "type": "SaveVideo", "pos": [1860, 480], "size": [360, 420],
         "widgets": {"filename_prefix": "talkie/core_video", "format": "auto", "codec": "auto"},
         "links": {"video": (9, 0)}},
    ]
    image_to_av = conditioned_tail("a blue rubber ball bouncing on the floor", (4, 0), seed=3) + [
        {"id": 8, "type": "LoadImage", "pos": [380, 505], "size": [320, 320], "widgets": {"image": "talkie_first_frame.png"}},
        encode_node({"seconds": 4.0, "video_mode": "keep first frame"}, {"images": (8, 0)}),
        {"id": 7, "type": "TalkieSaveAV", "pos": [1880, 60], "size": [360, 420],
         "widgets": {"fps": 24.0, "filename_prefix": "talkie/image_to_av"},
         "links": {"images": (6, 0), "audio": (6, 1), "fps": (6, 2)}},
    ]
    video_to_audio = conditioned_tail("a ball bouncing", (4, 0), seed=5) + [
        {"id": 8, "type": "LoadVideo", "pos": [20, 440], "size": [320, 320], "widgets": {"file": "talkie_bounce.mp4"}},
        {"id": 9, "type": "GetVideoComponents", "pos": [380, 505], "links": {"video": (8, 0)}},
        encode_node({"video_mode": "keep all"}, {"images": (9, 0), "fps": (9, 2)}),
        {"id": 7, "type": "TalkieSaveAV", "pos": [1880, 60], "size": [360, 420],
         "widgets": {"fps": 24.0, "filename_prefix": "talkie/video_to_audio"},
         "links": {"images": (9, 0), "audio": (6, 1), "fps": (9, 2)}},
    ]
    audio_to_video = conditioned_tail("a ball bouncing on the floor", (4, 0), seed=9) + [
        {"id": 8, "type": "LoadVideo", "pos": [20, 440], "size": [320, 320], "widgets": {"file": "talkie_bounce.mp4"}},
        {"id": 9, "type": "GetVideoComponents", "pos": [380, 505], "links": {"video": (8, 0)}},
        encode_node({"seconds": 4.0, "audio_mode": "keep all", "audio_stem": "effects"}, {"audio": (9, 1), "fps": (9, 2)}),
        {"id": 7, "type": "TalkieSaveAV", "pos": [1880, 60], "size": [360, 420],
         "widgets": {"fps": 24.0, "filename_prefix": "talkie/audio_to_video"},
         "links": {"images": (6, 0), "audio": (9, 1), "fps": (6, 2)}},
    ]
    extend_60 = text_to_av_core("steady rain falling on a tin roof", seed=11) + [
        {"id": 8, "type": "TalkieExtendAV", "pos": [1500, 60], "size": [340, 420],
         "widgets": {"fps": 24.0, "extend_seconds": 56.0, "overlap_seconds": 1.0, "seed": 11, "steps": _S.steps,
                     **GUIDANCE},
         "links": {"model": (1, 0), "positive": (2, 0), "negative": (3, 0), "images": (6, 0), "fps": (6, 2),
                   "stems": (6, 3)}},
        {"id": 7, "type": "TalkieSaveAV", "pos": [1880, 60], "size": [360, 420],
         "widgets": {"fps": 24.0, "filename_prefix": "talkie/extended_60s"},
         "links": {"images": (8, 0), "audio": (8, 1), "fps": (6, 2)}},
    ]
    mixer = text_to_av_core("a cartoon face talking in a low voice while gentle rain falls on a window", seed=13) + [
        {"id": 8, "type": "TalkieStemMixer", "pos": [1500, 60], "size": [320, 420],
         "widgets": {"effects_db": 0.0, "ambience_db": -12.0, "voice_db": 3.0, "music_db": 0.0,
                     "mute_effects": False, "mute_ambience": False, "mute_voice": False, "mute_music": False,
                     "solo": "none"},
         "links": {"stems": (6, 3)}},
        {"id": 7, "type": "TalkieSaveAV", "pos": [1880, 60], "size": [360, 420],
         "widgets": {"fps": 24.0, "filename_prefix": "talkie/stem_mix"},
         "links": {"images": (6, 0), "audio": (8, 0), "fps": (6, 2)}},
    ]
    workflows = {
        "text_to_av.json": build(t2av, "Talkie text -> audio + video. Edit the prompt, press Queue. The clip plays "
                                       "with sound in the Mux / Save AV node and is saved under output/talkie/; "
                                       "the Sync Report measures how far each sound is from its visual event."),
        "text_to_av_core_nodes.json": build(core, "Talkie output chained with core nodes: frames through Image "
                                                  "Scale into the Talkie mux, and IMAGE + AUDIO into core Create "
                                                  "Video -> Save Video."),
        "image_to_av.json": build(image_to_av, "Image -> audio + video: the first frame comes from Load Image (any "
                                               "IMAGE works); the clip continues it with matching sound. Copy "
                                               "workflows/inputs/* into ComfyUI/input/ for the example."),
        "video_to_audio.json": build(video_to_audio, "Video -> audio (Foley): the picture is held fixed and the "
                                                     "joint model writes a soundtrack in sync with it."),
        "audio_to_video.json": build(audio_to_video, "Audio -> video: the sound is held fixed (here in the effects "
                                                     "stem) and the picture follows it."),
        "extend_to_60s.json": build(extend_60, "Long clips: a 4 s clip extended window by window to 60 s; each "
                                               "window continues the last second of the previous one."),
        "stem_mixer.json": build(mixer, "Per-stem mix after generation: voice up, rain down, no re-sampling."),
    }
    for name, wf in workflows.items():
        with open(os.path.join(OUT, name), "w") as fh:
            json.dump(wf, fh, indent=1)
        print("wrote", os.path.join("workflows", name))


if __name__ == "__main__":
    main()
