"""Proves the ComfyUI test harness on core nodes only (no Talkie node is needed).

- The UI->API converter, offline, on a hand-made object_info (no server).
- A real server: a tiny UI-format workflow (EmptyImage -> ImageScale -> CreateVideo -> SaveVideo, with
  a Reroute, a bypassed node, a PrimitiveNode, a Note and a muted branch) converted and run; the MP4
  it writes is read back with PyAV.
- Bad prompts get a clear 400 and the server serves the next valid prompt; a node that raises
  surfaces as ExecutionFailed with its node id and message.
"""
from __future__ import annotations

import glob
import json
import os
from fractions import Fraction

import pytest

from comfy_harness import (
    CONTROL_VALUES,
    ExecutionFailed,
    PromptRejected,
    ui_workflow_to_api,
)


# --------------------------------------------------------------------------------------------
# A tiny builder for UI-format workflows
# --------------------------------------------------------------------------------------------
class UIGraph:
    """Builds the frontend's saved format: nodes[] with inputs/outputs/widgets_values, links[]."""

    def __init__(self):
        self.nodes: list[dict] = []
        self.links: list[list] = []

    def node(self, node_id: int, type_: str, widgets=None, inputs=(), outputs=(), mode: int = 0, title=None) -> dict:
        n = {
            "id": node_id, "type": type_, "pos": [0, 0], "size": [200, 100], "flags": {}, "order": len(self.nodes),
            "mode": mode,
            "inputs": [dict(name=name, type=typ, link=None, **({"widget": {"name": name}} if widget else {}))
                       for name, typ, widget in (i if len(i) == 3 else (*i, False) for i in inputs)],
            "outputs": [{"name": name, "type": typ, "links": [], "slot_index": k} for k, (name, typ) in enumerate(outputs)],
            "properties": {"Node name for S&R": type_},
        }
        if widgets is not None:
            n["widgets_values"] = widgets
        if title:
            n["title"] = title
        self.nodes.append(n)
        return n

    def link(self, src: int, src_slot: int, dst: int, dst_input: str) -> int:
        s = next(n for n in self.nodes if n["id"] == src)
        d = next(n for n in self.nodes if n["id"] == dst)
        slot = next(k for k, i in enumerate(d["inputs"]) if i["name"] == dst_input)
        link_id = len(self.links) + 1
        typ = s["outputs"][src_slot]["type"]
        self.links.append([link_id, src, src_slot, dst, slot, typ])
        s["outputs"][src_slot]["links"].append(link_id)
        d["inputs"][slot]["link"] = link_id
        return link_id

    def to_json(self) -> dict:
        return {
            "last_node_id": max((n["id"] for n in self.nodes), default=0),
            "last_link_id": len(self.links), "nodes": self.nodes, "links": self.links,
            "groups": [], "config": {}, "extra": {}, "version": 0.4,
        }


FRAMES, WIDTH, HEIGHT, FPS = 8, 96, 64, 12


def video_workflow(prefix: str = "harness/clip", width: int = WIDTH, height: int = HEIGHT) -> dict:
    """EmptyImage -> ImageScale -> Reroute -> ImageInvert (bypassed) -> CreateVideo (fps from a
    PrimitiveNode) -> SaveVideo, plus a Note and a muted second SaveVideo."""
    g = UIGraph()
    g.node(1, "EmptyImage", [64, 48, FRAMES, 0x336699], outputs=[("IMAGE", "IMAGE")])
    g.node(2, "ImageScale", ["bilinear", width, height, "disabled"], inputs=[("image", "IMAGE")],
           outputs=[("IMAGE", "IMAGE")])
    g.node(3, "Reroute", inputs=[("", "*")], outputs=[("", "IMAGE")])
    g.node(4, "ImageInvert", [], inputs=[("image", "IMAGE")], outputs=[("IMAGE", "IMAGE")], mode=4)
    g.node(5, "PrimitiveNode", [FPS, "fixed"], outputs=[("FLOAT", "FLOAT")], title="fps")
    # fps is a widget converted to an input: its stale widget value (30.0) must lose to the link.
    g.node(6, "CreateVideo", [30.0], inputs=[("images", "IMAGE"), ("audio", "AUDIO"), ("fps", "FLOAT", True)],
           outputs=[("VIDEO", "VIDEO")])
    g.node(7, "SaveVideo", [prefix, "auto", "auto"], inputs=[("video", "VIDEO")])
    g.node(8, "Note", ["This workflow only exercises the test harness."])
    g.node(9, "SaveVideo", ["harness/muted", "auto", "auto"], inputs=[("video", "VIDEO")], mode=2)
    g.link(1, 0, 2, "image")
    g.link(2, 0, 3, "")
    g.link(3, 0, 4, "image")
    g.link(4, 0, 6, "images")
    g.link(5, 0, 6, "fps")
    g.link(6, 0, 7, "video")
    g.link(6, 0, 9, "video")
    return g.to_json()


# A hand-made object_info excerpt, in 0.3.75's shapes (V1 list combos, V3 "COMBO" combos).
OBJECT_INFO = {
    "EmptyImage": {"input": {"required": {
        "width": ["INT", {"default": 512}], "height": ["INT", {"default": 512}],
        "batch_size": ["INT", {"default": 1}], "color": ["INT", {"default": 0, "display": "color"}]}},
        "input_order": {"required": ["width", "height", "batch_size", "color"]}, "output": ["IMAGE"]},
    "ImageScale": {"input": {"required": {
        "image": ["IMAGE"], "upscale_method": [["nearest-exact", "bilinear"]], "width": ["INT", {}],
        "height": ["INT", {}], "crop": [["disabled", "center"]]}},
        "input_order": {"required": ["image", "upscale_method", "width", "height", "crop"]}, "output": ["IMAGE"]},
    "ImageInvert": {"input": {"required": {"image": ["IMAGE"]}}, "input_order": {"required": ["image"]}},
    "CreateVideo": {"input": {"required": {"images": ["IMAGE", {}], "fps": ["FLOAT", {"default": 30.0}]},
                              "optional": {"audio": ["AUDIO", {}]}},
                    "input_order": {"required": ["images", "fps"], "optional": ["audio"]}, "output": ["VIDEO"]},
    "SaveVideo": {"input": {"required": {
        "video": ["VIDEO", {}], "filename_prefix": ["STRING", {"default": "video/ComfyUI"}],
        "format": ["COMBO", {"options": ["auto", "mp4"]}], "codec": ["COMBO", {"options": ["auto", "h264"]}]}},
        "input_order": {"required": ["video", "filename_prefix", "format", "codec"]}, "output": []},
    "KSampler": {"input": {"required": {
        "model": ["MODEL", {}], "seed": ["INT", {"control_after_generate": True}], "steps": ["INT", {}],
        "cfg": ["FLOAT", {}], "sampler_name": [["euler", "dpmpp_2m"], {}], "scheduler": [["normal", "simple"], {}],
        "positive": ["CONDITIONING", {}], "negative": ["CONDITIONING", {}], "latent_image": ["LATENT", {}],
        "denoise": ["FLOAT", {}]}},
        "input_order": {"required": ["model", "seed", "steps", "cfg", "sampler_name", "scheduler", "positive",
                                     "negative", "latent_image", "denoise"]}},
    "LoadImage": {"input": {"required": {"image": [["a.png"], {"image_upload": True}]}},
                  "input_order": {"required": ["image"]}},
    "LoadAudio": {"input": {"required": {"audio": [["a.wav"], {"audio_upload": True}]}},
                  "input_order": {"required": ["audio"]}},
    "Forced": {"input": {"required": {"n": ["INT", {"forceInput": True}], "s": ["STRING", {}]}},
               "input_order": {"required": ["n", "s"]}},
}


# --------------------------------------------------------------------------------------------
# Converter, offline
# --------------------------------------------------------------------------------------------
def test_converter_follows_reroute_bypass_primitive_and_skips_muted_and_notes():
    api = ui_workflow_to_api(video_workflow(), OBJECT_INFO)
    assert set(api) == {"1", "2", "6", "7"}  # no Reroute, bypassed, Primitive, Note or muted node
    assert api["1"]["inputs"] == {"width": 64, "height": 48, "batch_size": FRAMES, "color": 0x336699}
    assert api["2"]["inputs"] == {"image": ["1", 0], "upscale_method": "bilinear", "width": WIDTH,
                                  "height": HEIGHT, "crop": "disabled"}
    # Reroute followed, bypassed ImageInvert passed through, the Primitive's value replaced the widget's.
    assert api["6"]["inputs"] == {"images": ["2", 0], "fps": FPS}
    assert api["7"] == {"class_type": "SaveVideo", "_meta": {"title": "SaveVideo"},
                        "inputs": {"video": ["6", 0], "filename_prefix": "harness/clip", "format": "auto", "codec": "auto"}}


def test_converter_skips_control_after_generate_and_upload_extras():
    g = UIGraph()
    g.node(1, "KSampler", [42, "randomize", 20, 7.5, "euler", "normal", 1.0],
           inputs=[("model", "MODEL"), ("positive", "CONDITIONING"), ("negative", "CONDITIONING"),
                   ("latent_image", "LATENT")], outputs=[("LATENT", "LATENT")])
    g.node(2, "LoadImage", ["a.png", "image"], outputs=[("IMAGE", "IMAGE"), ("MASK", "MASK")])
    g.node(3, "LoadAudio", ["a.wav", None, None], outputs=[("AUDIO", "AUDIO")])
    g.node(4, "Forced", ["hello"], inputs=[("n", "INT")])
    g.node(5, "PrimitiveNode", [7, "increment"], outputs=[("INT", "INT")])
    g.link(5, 0, 4, "n")
    api = ui_workflow_to_api(g.to_json(), OBJECT_INFO)
    assert api["1"]["inputs"] == {"seed": 42, "steps": 20, "cfg": 7.5, "sampler_name": "euler",
                                  "scheduler": "normal", "denoise": 1.0}
    assert api["2"]["inputs"] == {"image": "a.png"}
    assert api["3"]["inputs"] == {"audio": "a.wav"}
    assert api["4"]["inputs"] == {"n": 7, "s": "hello"}  # forceInput takes no widget value


def test_converter_bypass_without_matching_input_drops_the_link_and_muted_sources_vanish():
    g = UIGraph()
    g.node(1, "EmptyImage", [8, 8, 1, 0], outputs=[("IMAGE", "IMAGE")], mode=2)  # muted source
    g.node(2, "ImageScale", ["bilinear", 8, 8, "disabled"], inputs=[("image", "IMAGE")], outputs=[("IMAGE", "IMAGE")])
    g.node(3, "CreateVideo", [24.0], inputs=[("images", "IMAGE"), ("fps", "FLOAT", True)], outputs=[("VIDEO", "VIDEO")], mode=4)
    g.node(4, "SaveVideo", ["x", "auto", "auto"], inputs=[("video", "VIDEO")])
    g.link(1, 0, 2, "image")
    g.link(2, 0, 3, "images")
    g.link(3, 0, 4, "video")
    api = ui_workflow_to_api(g.to_json(), OBJECT_INFO)
    assert "image" not in api["2"]["inputs"]
    assert "video" not in api["4"]["inputs"]  # a bypassed VIDEO producer has no VIDEO input to pass on


def test_converter_accepts_object_style_links_and_unknown_types():
    ui = video_workflow()
    ui["links"] = [dict(zip(("id", "origin_id", "origin_slot", "target_id", "target_slot", "type"), link))
                   for link in ui["links"]]
    ui["nodes"].append({"id": 20, "type": "NoSuchNode", "mode": 0, "inputs": [], "outputs": [], "widgets_values": [1]})
    api = ui_workflow_to_api(ui, OBJECT_INFO)
    assert api["6"]["inputs"] == {"images": ["2", 0], "fps": FPS}
    assert api["20"] == {"class_type": "NoSuchNode", "inputs": {}, "_meta": {"title": "NoSuchNode"}}


def test_converter_refuses_subgraphs():
    ui = video_workflow()
    ui["definitions"] = {"subgraphs": [{"id": "0b4c5a3e-sub"}]}
    ui["nodes"].append({"id": 30, "type": "0b4c5a3e-sub", "mode": 0})
    with pytest.raises(NotImplementedError):
        ui_workflow_to_api(ui, OBJECT_INFO)


# --------------------------------------------------------------------------------------------
# Real server
# --------------------------------------------------------------------------------------------
def _read_video(path):
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f for f in container.decode(stream)]
        return {"frames": len(frames), "width": stream.codec_context.width, "height": stream.codec_context.height,
                "rate": stream.average_rate, "codec": stream.codec_context.name, "format": container.format.name,
                "metadata": dict(container.metadata)}


@pytest.mark.server
def test_ui_workflow_runs_and_saves_a_real_mp4(comfy_server, comfy_client):
    ui = video_workflow()
    history = comfy_client.run_workflow(ui, timeout=300)
    assert history["status"]["status_str"] == "success"
    files = comfy_client.output_files(history)
    assert len(files) == 1, files  # the muted SaveVideo did not run
    mp4 = files[0]
    assert mp4.suffix == ".mp4" and mp4.is_file() and mp4.stat().st_size > 0
    assert str(mp4).startswith(str(comfy_server.output_dir)) and mp4.parent.name == "harness"
    info = _read_video(mp4)
    assert info["frames"] == FRAMES
    assert (info["width"], info["height"]) == (WIDTH, HEIGHT)
    assert info["codec"] == "h264" and "mp4" in info["format"]
    assert info["rate"] == Fraction(FPS)
    # The UI workflow was embedded as metadata, as the frontend does.
    assert json.loads(info["metadata"]["workflow"])["nodes"][0]["type"] == "EmptyImage"
    # The websocket messages of the run were recorded.
    kinds = [m["type"] for m in comfy_client.messages[next(iter(comfy_client.messages))]]
    assert "execution_start" in kinds and "execution_success" in kinds


@pytest.mark.server
def test_bad_prompts_get_a_clear_400_and_the_server_keeps_serving(comfy_client):
    ui = video_workflow(prefix="harness/after_bad")
    ui["nodes"].append({"id": 40, "type": "TalkieNoSuchNodeType", "mode": 0, "inputs": [], "outputs": [],
                        "widgets_values": []})
    with pytest.raises(PromptRejected) as info:
        comfy_client.queue_prompt(ui_workflow_to_api(ui, comfy_client.object_info()))
    assert info.value.status == 400
    assert "TalkieNoSuchNodeType" in str(info.value)

    # A bad widget value: a 400 whose node_errors names the node.
    api = ui_workflow_to_api(video_workflow(), comfy_client.object_info())
    api["2"]["inputs"]["upscale_method"] = "no-such-method"
    with pytest.raises(PromptRejected) as info:
        comfy_client.queue_prompt(api)
    assert info.value.status == 400
    assert "2" in info.value.node_errors
    assert "upscale_method" in json.dumps(info.value.node_errors["2"])

    history = comfy_client.run_workflow(video_workflow(prefix="harness/after_bad"), timeout=300)
    [mp4] = comfy_client.output_files(history)
    assert _read_video(mp4)["frames"] == FRAMES


@pytest.mark.server
def test_a_failing_node_raises_execution_failed_with_node_and_message(comfy_client):
    # libx264 with yuv420p cannot encode an odd width: SaveVideo raises while running.
    api = ui_workflow_to_api(video_workflow(prefix="harness/odd", width=63, height=47), comfy_client.object_info())
    with pytest.raises(ExecutionFailed) as info:
        comfy_client.run(api, timeout=300)
    assert info.value.node_id == "7"
    assert info.value.node_type == "SaveVideo"
    assert info.value.exception_message
    # ... and the server still runs the next prompt.
    history = comfy_client.run_workflow(video_workflow(prefix="harness/after_error"), timeout=300)
    assert len(comfy_client.output_files(history)) == 1


@pytest.mark.server
def test_upload_interrupt_and_object_info(comfy_server, comfy_client, tmp_path):
    import numpy as np
    from PIL import Image

    png = tmp_path / "pixel.png"
    Image.fromarray(np.full((4, 6, 3), 200, np.uint8)).save(png)
    name = comfy_client.upload_image(png, subfolder="harness")
    assert name == "harness/pixel.png"
    assert (comfy_server.input_dir / "harness" / "pixel.png").is_file()

    info = comfy_client.object_info()
    assert info["SaveVideo"]["input"]["required"]["format"][0] == "COMBO"  # V3 combo
    assert isinstance(info["ImageScale"]["input"]["required"]["upscale_method"][0], list)  # V1 combo

    g = UIGraph()
    g.node(1, "LoadImage", [name, "image"], outputs=[("IMAGE", "IMAGE"), ("MASK", "MASK")])
    g.node(2, "SaveImage", ["harness/loaded"], inputs=[("images", "IMAGE")])
    g.link(1, 0, 2, "images")
    history = comfy_client.run_workflow(g.to_json(), timeout=120)
    [saved] = comfy_client.output_files(history)
    assert Image.open(saved).size == (6, 4)

    comfy_client.interrupt()  # nothing running: still answered
    assert comfy_client.queue() == {"queue_running": [], "queue_pending": []}


def _core_templates():
    import importlib.util

    files = []
    for pkg in ("comfyui_workflow_templates_core", "comfyui_workflow_templates_media_image",
                "comfyui_workflow_templates_media_video", "comfyui_workflow_templates_media_other",
                "comfyui_workflow_templates_media_api"):
        spec = importlib.util.find_spec(pkg)
        if spec and spec.submodule_search_locations:
            for loc in spec.submodule_search_locations:
                files += glob.glob(os.path.join(loc, "**", "*.json"), recursive=True)
    return sorted(files)


def _value_fits(spec, value) -> bool:
    typ = spec[0]
    opts = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
    options = typ if isinstance(typ, list) else opts.get("options") if typ == "COMBO" else None
    if options is not None:
        return not isinstance(value, (dict, list)) and (value in options or value not in CONTROL_VALUES)
    if typ == "INT":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "FLOAT":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if typ == "BOOLEAN":
        return isinstance(value, bool)
    if typ == "STRING":
        return isinstance(value, str)
    return True


@pytest.mark.server
def test_converter_maps_every_core_workflow_template(comfy_client):
    """ComfyUI's own ~200 shipped UI workflows (from the comfyui-workflow-templates packages) convert
    into prompts whose widget values all have the right type and whose required inputs are all set.
    They need model files, so they are converted, not run."""
    info = comfy_client.object_info()
    checked, problems = 0, []
    for path in _core_templates():
        with open(path, encoding="utf-8") as f:
            try:
                ui = json.load(f)
            except ValueError:
                continue
        if not isinstance(ui, dict) or "nodes" not in ui or (ui.get("definitions") or {}).get("subgraphs"):
            continue
        if any(n.get("type") not in info and n.get("type") not in ("Note", "MarkdownNote", "Reroute", "PrimitiveNode")
               for n in ui["nodes"]):
            continue  # uses nodes this install lacks (torchaudio-less audio nodes, newer nodes)
        api = ui_workflow_to_api(ui, info)
        checked += 1
        for node_id, node in api.items():
            spec_all = {**info[node["class_type"]]["input"].get("required", {}),
                        **info[node["class_type"]]["input"].get("optional", {})}
            for name in info[node["class_type"]]["input"].get("required", {}):
                if name not in node["inputs"]:
                    problems.append(f"{os.path.basename(path)} #{node_id} {node['class_type']}: {name} missing")
            for name, value in node["inputs"].items():
                if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
                    continue  # a link
                if name in spec_all and not _value_fits(spec_all[name], value):
                    problems.append(f"{os.path.basename(path)} #{node_id} {node['class_type']}: {name}={value!r}")
    if checked < 20:
        pytest.skip(f"only {checked} core templates could be checked")
    # Templates are third-party files: allow a few oddities, but the converter must map nearly all.
    assert len(problems) <= max(3, checked // 50), "\n".join(problems[:50])
