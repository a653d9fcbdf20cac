"""Every shipped workflow, and interop with core nodes, on a real ComfyUI 0.3.75 server.

MP4s are read back with PyAV: one H.264 and one AAC stream, durations equal within a
frame, fps and sample rate as asked, the workflow embedded in the metadata."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from av_checks import assert_valid_talkie_mp4, calibration_clip

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / "workflows").glob("*.json"))
EXAMPLE_INPUTS = sorted((REPO / "workflows" / "inputs").glob("*"))
SECONDS = {"extend_to_60s": 60.0}  # every other shipped workflow makes a 4 s clip

pytestmark = pytest.mark.server


def test_pack_loads_with_every_node(comfy_client):
    info = comfy_client.object_info()
    for node in ("TalkieLoadModel", "TalkieTextEncode", "TalkieEmptyAVLatent", "TalkieJointSampler",
                 "TalkieAVDecode", "TalkieSaveAV"):
        assert node in info, f"{node} missing from /object_info"
        spec = info[node]
        assert spec["category"].startswith("Talkie") and spec["description"]
        for section in ("required", "optional"):
            for name, (typ, *opts) in spec["input"].get(section, {}).items():
                assert opts and opts[0].get("tooltip"), f"{node}.{name} has no tooltip"


def test_workflows_are_listed_as_templates(comfy_client):
    listed = comfy_client._get("/workflow_templates").json()
    names = {n for v in listed.values() for n in v}
    assert {p.stem for p in WORKFLOWS} <= names, listed


@pytest.fixture(scope="module")
def example_inputs(comfy_server):
    """What the shipped workflows load (README: copy workflows/inputs/* into ComfyUI/input/)."""
    client = comfy_server.client()
    for f in EXAMPLE_INPUTS:
        client.upload_image(f, name=f.name)
    return [f.name for f in EXAMPLE_INPUTS]


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.stem for p in WORKFLOWS])
def test_shipped_workflow_runs(comfy_client, example_inputs, path):
    wf = json.loads(path.read_text())
    history = comfy_client.run_workflow(wf, timeout=900)
    seconds, fps = SECONDS.get(path.stem, 4.0), 24.0
    node_types = {str(n["id"]): n["type"] for n in wf["nodes"]}
    checked = 0
    for node_id in history["outputs"]:
        for mp4 in comfy_client.output_files({"outputs": {node_id: history["outputs"][node_id]}}):
            if mp4.suffix != ".mp4":
                continue
            # core Save Video writes without +faststart; everything else is checked the same way
            ours = node_types[node_id].startswith("Talkie")
            info = assert_valid_talkie_mp4(mp4, fps=fps, seconds=seconds, sample_rate=16000, faststart=ours)
            assert info["frames"] == round(seconds * fps)
            checked += 1
    assert checked, f"{path.name} saved no MP4"


def _upload(comfy_client, comfy_server, path: Path) -> str:
    comfy_client.upload_image(path, name=path.name)
    return path.name


def test_core_load_video_feeds_talkie_mux_and_calibration_holds(comfy_client, comfy_server, tmp_path):
    """LoadVideo -> GetVideoComponents -> Talkie Mux: a flash+click calibration clip keeps
    its audio/video offset under 1 ms through the core loader and our muxer."""
    from talkie.models.media import write_av_mp4
    from talkie.models.metrics.onsets import detect_onsets
    from talkie.models.metrics.visual_events import brightness_events
    from talkie.models.media import read_av_mp4

    fps, sr = 24.0, 16000
    flashes = [10, 31, 55, 80]
    frames, audio = calibration_clip(fps, sr, 4.0, flashes)
    src = tmp_path / "calibration_src.mp4"
    write_av_mp4(src, frames, audio, fps, sr)
    name = _upload(comfy_client, comfy_server, src)
    prompt = {
        "1": {"class_type": "LoadVideo", "inputs": {"file": name}},
        "2": {"class_type": "GetVideoComponents", "inputs": {"video": ["1", 0]}},
        "3": {"class_type": "TalkieSaveAV", "inputs": {"images": ["2", 0], "audio": ["2", 1], "fps": ["2", 2],
                                                      "filename_prefix": "talkie/calibration"}},
    }
    history = comfy_client.run(prompt, extra_data={"extra_pnginfo": {"workflow": {"nodes": [{"id": 1}]}}})
    out = comfy_client.output_files(history)[0]
    assert_valid_talkie_mp4(out, fps=fps, seconds=4.0, sample_rate=sr)
    clip = read_av_mp4(out)
    v = brightness_events(clip["frames"], float(clip["fps"])).times
    a = detect_onsets(clip["audio"], clip["sample_rate"]).times
    assert len(v) == len(flashes) == len(a), (v, a)
    offsets_ms = (np.asarray(a) - np.asarray(v)) * 1000
    assert np.abs(np.median(offsets_ms)) < 1.0, offsets_ms


def test_bad_input_is_a_clear_error_and_server_survives(comfy_client):
    from comfy_harness import ExecutionFailed, PromptRejected

    bad = {"1": {"class_type": "TalkieLoadModel", "inputs": {"checkpoint": "../../etc/passwd"}}}
    with pytest.raises((PromptRejected, ExecutionFailed)):
        comfy_client.run(bad)
    assert comfy_client.system_stats()
