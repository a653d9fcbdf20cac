"""Every Talkie node input is validated: a bad value is either refused when the prompt is
queued (HTTP 400 with node_errors, shown on the node) or fails with a message that says
what is wrong (an `execution_error` of type ValueError), never an internal error, and the
server keeps running. Each case is one mutation of a tiny valid prompt (1 s, 2 steps)."""
from __future__ import annotations

import copy
import re
import sys

import pytest
import torch

from comfy_harness import COMFY_DIR
from robustness.helpers import WORKFLOW_EXTRA, av_prompt, clear_outcome_message, run_raw

pytestmark = pytest.mark.server

NAN, INF = float("nan"), float("inf")


def _set(node, name, value):
    def f(p):
        p[node]["inputs"][name] = value
    return f


def _add(nodes: dict, **links):
    """Add core nodes and relink Talkie inputs: links = {"5.latent": ["10", 0]}."""
    def f(p):
        p.update(copy.deepcopy(nodes))
        for key, link in links.items():
            node, name = key.split(".")
            p[node]["inputs"][name] = link
    return f


# (id, mutation, expected outcome "rejected"|"failed"|"ok", regex the message must match)
CASES = [
    ("seconds-nan", _set("4", "seconds", NAN), "failed", r"seconds must be a finite number"),
    ("seconds-nan-string", _set("4", "seconds", "NaN"), "failed", r"seconds must be a finite number"),
    ("seconds-huge", _set("4", "seconds", 1e308), "rejected", r"bigger than max"),
    ("seconds-negative", _set("4", "seconds", -4), "rejected", r"smaller than min"),
    ("seconds-text", _set("4", "seconds", "four"), "rejected", r"convert"),
    ("fps-nan", _set("4", "fps", NAN), "failed", r"fps must be a finite number"),
    ("fps-inf", _set("4", "fps", INF), "rejected", r"bigger than max"),
    ("width-odd", _set("4", "width", 65), "failed", r"width must be an even"),
    ("height-odd", _set("4", "height", 63), "failed", r"height must be an even"),
    ("width-negative", _set("4", "width", -64), "rejected", r"smaller than min"),
    ("height-list", _set("4", "height", [1, 2, 3]), "rejected", r"length-2 list|Bad linked input"),
    ("width-dict", _set("4", "width", {"a": 1}), "rejected", r"convert"),
    ("batch-zero", _set("4", "batch_size", 0), "rejected", r"smaller than min"),
    ("too-many-pixels", lambda p: p["4"]["inputs"].update(seconds=120, fps=60, width=2048, height=2048),
     "failed", r"pixel"),
    ("video-guidance-nan", _set("5", "video_guidance", NAN), "failed", r"video_guidance must be a finite"),
    ("audio-guidance-nan", _set("5", "audio_guidance", "nan"), "failed", r"audio_guidance must be a finite"),
    ("sync-guidance-nan", _set("5", "sync_guidance", NAN), "failed", r"sync_guidance must be a finite"),
    ("denoise-nan", _set("5", "denoise", NAN), "failed", r"denoise must be a finite"),
    ("denoise-zero", _set("5", "denoise", 0.0), "rejected", r"smaller than min"),
    ("steps-zero", _set("5", "steps", 0), "rejected", r"smaller than min"),
    ("steps-huge", _set("5", "steps", 10 ** 30), "rejected", r"bigger than max"),
    ("steps-nan", _set("5", "steps", "NaN"), "rejected", r"convert"),
    ("seed-negative", _set("5", "seed", -1), "rejected", r"smaller than min"),
    ("seed-2^64", _set("5", "seed", 2 ** 64), "rejected", r"bigger than max"),
    ("seed-top-batch-2", lambda p: (p["5"]["inputs"].update(seed=2 ** 64 - 1), p["4"]["inputs"].update(batch_size=2)),
     "failed", r"seed must be between"),
    ("sampler-unknown", _set("5", "sampler", "ddim"), "rejected", r"sampler must be"),
    ("sampler-number", _set("5", "sampler", 3), "rejected", r"sampler must be"),
    ("prompt-huge", _set("2", "prompt", "ball " * 5000), "failed", r"at most 20000"),
    ("checkpoint-traversal", _set("1", "checkpoint", "../../../etc/passwd"), "rejected", r"only \.safetensors"),
    ("checkpoint-pickle-name", _set("1", "checkpoint", "model.ckpt"), "rejected", r"only \.safetensors"),
    ("checkpoint-missing", _set("1", "checkpoint", "nope.safetensors"), "rejected", r"not in ComfyUI/models/talkie"),
    ("checkpoint-number", _set("1", "checkpoint", 7), "rejected", r"checkpoint must be a file name"),
    ("checkpoint-null", _set("1", "checkpoint", None), "rejected", r"checkpoint must be a file name"),
    ("sampler-null", _set("5", "sampler", None), "rejected", r"sampler must be"),
    ("save-fps-nan", _set("7", "fps", NAN), "failed", r"fps must be a finite"),
    ("save-fps-zero", _set("7", "fps", 0), "rejected", r"smaller than min"),
    ("prefix-empty", _set("7", "filename_prefix", ""), "failed", r"non-empty"),
    ("prefix-long", _set("7", "filename_prefix", "x" * 5000), "failed", r"too long"),
    ("prefix-nul", _set("7", "filename_prefix", "a\x00b"), "failed", r"NUL"),
    ("link-wrong-type", _set("5", "latent", ["2", 0]), "rejected", r"[Rr]eturn type mismatch|mismatch"),
    ("link-missing-node", _set("5", "latent", ["99", 0]), "rejected", r"."),
    ("link-bad-slot", _set("6", "latent", ["5", 7]), "rejected", r"."),
    ("input-deleted", lambda p: p["5"]["inputs"].pop("positive"), "rejected", r"[Rr]equired input is missing"),
    ("unknown-node", lambda p: p.update({"9": {"class_type": "NoSuchNode", "inputs": {}}}), "rejected", r"NoSuchNode"),
    # Core nodes feeding Talkie nodes with values of the right link type but the wrong content.
    ("core-latent-into-sampler", _add({"10": {"class_type": "EmptyLatentImage",
                                              "inputs": {"width": 64, "height": 64, "batch_size": 1}}},
                                      **{"5.latent": ["10", 0]}), "failed", r"not a Talkie audio-video latent"),
    ("core-latent-into-decode", _add({"10": {"class_type": "EmptyLatentImage",
                                             "inputs": {"width": 64, "height": 64, "batch_size": 1}}},
                                     **{"6.latent": ["10", 0]}), "failed", r"not a Talkie audio-video latent"),
    ("core-noise-mask-on-talkie-latent", _add({
        "10": {"class_type": "SolidMask", "inputs": {"value": 1.0, "width": 8, "height": 8}},
        "11": {"class_type": "SetLatentNoiseMask", "inputs": {"samples": ["4", 0], "mask": ["10", 0]}}},
        **{"5.latent": ["11", 0]}), "failed", r"noise_mask"),
    ("core-huge-image-into-save", _add({"10": {"class_type": "EmptyImage",
                                               "inputs": {"width": 9000, "height": 16, "batch_size": 1, "color": 0}}},
                                       **{"7.images": ["10", 0]}), "failed", r"8192 pixels"),
    ("core-odd-image-into-save", _add({"10": {"class_type": "EmptyImage",
                                              "inputs": {"width": 33, "height": 17, "batch_size": 8, "color": 0}}},
                                      **{"7.images": ["10", 0]}), "ok", r""),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_a_clear_error(robust_client, robust_server, case):
    name, mutate, expected, pattern = case
    prompt = av_prompt(prefix=f"robustness/validation-{name}")
    mutate(prompt)
    kind, value = run_raw(robust_client, prompt)
    text = clear_outcome_message(kind, value)
    assert kind == expected, f"{name}: expected {expected}, got {kind}: {text or value}"
    assert re.search(pattern, text), f"{name}: message {text!r} does not match {pattern!r}"
    assert robust_server.alive() and robust_client.system_stats()


def test_a_valid_job_runs_after_the_bad_ones(robust_client):
    history = robust_client.run(av_prompt(prefix="robustness/after-validation"), WORKFLOW_EXTRA)
    assert [p.suffix for p in robust_client.output_files(history)] == [".mp4"]


# --- the node helpers, in-process (ComfyUI's modules on sys.path, after everything else) -------
@pytest.fixture(scope="module")
def talkie_nodes():
    if str(COMFY_DIR) not in sys.path:
        sys.path.append(str(COMFY_DIR))
    from talkie.nodes import conditioning, latent, save_av
    return conditioning, latent, save_av


def test_conditioning_and_latent_readers_refuse_foreign_values(talkie_nodes):
    conditioning, latent, save_av = talkie_nodes
    from talkie.models.text_encoder import TOKEN_DIM
    bad_conditionings = [[], None, "text", [[None, {}]], [[torch.zeros(1, 77, 768), {}]],
                         [[torch.zeros(1, 4, TOKEN_DIM), {"pooled_output": torch.zeros(1, 1280)}]],
                         [[torch.full((1, 4, TOKEN_DIM), NAN), {}]], [[torch.zeros(0, 4, TOKEN_DIM), {}]],
                         [[torch.zeros(1, 4, TOKEN_DIM), {"talkie_audio": {"tokens": 3}}]], [("only",)]]
    for c in bad_conditionings:
        with pytest.raises(ValueError):
            conditioning.to_text_embeddings(c, 1)
    from comfy.nested_tensor import NestedTensor
    # 1 s at 8 fps: 4 video tokens (2 frames each), 32 audio tokens (16000 samples / 512)
    good = {"samples": NestedTensor([torch.zeros(1, 4, 4), torch.zeros(1, 32, 32)]), "type": "talkie_av",
            "talkie": {"av": {"seconds": 1.0, "fps": 8.0}, "width": 64, "height": 64}}
    assert latent.read_latent(good)[2].num_frames == 8
    bad_latents = [None, {}, {"samples": torch.zeros(1, 4, 8, 8)}, dict(good, type="other"),
                   dict(good, samples=torch.zeros(1, 4, 8)),
                   dict(good, samples=NestedTensor([torch.zeros(1, 4), torch.zeros(1, 32, 32)])),
                   dict(good, samples=NestedTensor([torch.zeros(1, 4, 4), torch.zeros(2, 32, 32)])),
                   dict(good, samples=NestedTensor([torch.zeros(1, 4, 5), torch.zeros(1, 32, 32)])),
                   dict(good, samples=NestedTensor([torch.full((1, 4, 4), NAN), torch.zeros(1, 32, 32)])),
                   dict(good, talkie={"av": {"seconds": -1}, "width": 64, "height": 64}),
                   dict(good, talkie={"av": "x", "width": 64, "height": 64}),
                   dict(good, talkie={"av": {}}),
                   dict(good, noise_mask=torch.ones(1, 1, 8, 8)),
                   dict(good, noise_mask=NestedTensor([torch.ones(1, 1, 3), torch.ones(1, 1, 32)]))]
    for lat in bad_latents:
        with pytest.raises(ValueError):
            latent.read_latent(lat)
    ok = latent.read_latent(dict(good, noise_mask=NestedTensor([torch.zeros(1, 1, 4), torch.ones(1, 1, 32)])))
    assert ok[4].all() and not ok[5].any()


def test_save_helpers_refuse_bad_images_and_audio(talkie_nodes):
    _, _, save_av = talkie_nodes
    for images in (None, torch.zeros(4, 8, 8), torch.zeros(0, 8, 8, 3), torch.zeros(1, 8, 8, 2),
                   torch.full((1, 8, 8, 3), NAN), torch.zeros(1, 1, 9000, 3)):
        with pytest.raises(ValueError):
            save_av.check_images(images)
    wave = torch.zeros(1, 1, 800)
    for audio in (None, {}, {"waveform": wave}, {"waveform": [0.0], "sample_rate": 16000},
                  {"waveform": torch.zeros(800), "sample_rate": 16000}, {"waveform": wave, "sample_rate": "x"},
                  {"waveform": wave, "sample_rate": NAN}, {"waveform": wave, "sample_rate": INF},
                  {"waveform": wave, "sample_rate": 100}, {"waveform": wave, "sample_rate": 16000.5},
                  {"waveform": torch.full((1, 1, 800), NAN), "sample_rate": 16000}):
        with pytest.raises(ValueError):
            save_av.prepare_audio(audio, 8, 8.0)
    out, sr = save_av.prepare_audio({"waveform": torch.zeros(1, 3, 10), "sample_rate": 16000.0}, 8, 8.0)
    assert out.shape == (2, 16000) and sr == 16000


# --- V3 combos: ComfyUI 0.3.75 does not check their values itself ---------------------------------
AUDITED = {"TalkieLoadModel", "TalkieTextEncode", "TalkieEmptyAVLatent", "TalkieJointSampler", "TalkieAVDecode",
           "TalkieSaveAV"}


def _combo_gaps(node_classes) -> list[str]:
    """Combo inputs whose value no validate_inputs re-checks. ComfyUI validates only V1
    combos (a list as the input type); a V3 Combo's type is the string "COMBO", so a prompt
    sent through the API can carry any value, which then reaches `execute`."""
    import inspect

    from comfy_api.latest import io

    gaps = []
    for cls in node_classes:
        schema = cls.define_schema()
        combos = [i.id for i in schema.inputs if isinstance(i, io.Combo.Input)]
        fn = getattr(cls, "validate_inputs", None)
        overridden = fn is not None and getattr(fn, "__func__", fn) is not getattr(
            io.ComfyNode.validate_inputs, "__func__", io.ComfyNode.validate_inputs)
        spec = inspect.getfullargspec(fn) if overridden else None
        for name in combos:
            if not (spec and (name in spec.args or name in spec.kwonlyargs or spec.varkw)):
                gaps.append(f"{schema.node_id}.{name}")
    return gaps


def _pack_node_classes():
    import concurrent.futures

    from talkie.nodes import TalkieExtension
    # a fresh thread has no event loop: asyncio.run works even when another test (the browser
    # tests' sync Playwright) left one running in this thread
    import asyncio
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(TalkieExtension().get_node_list())).result()


def test_combo_values_are_rechecked_by_the_audited_nodes(talkie_nodes):
    classes = [c for c in _pack_node_classes() if c.define_schema().node_id in AUDITED]
    assert len(classes) == len(AUDITED)
    assert not _combo_gaps(classes)


def test_combo_values_are_rechecked_by_the_other_nodes(talkie_nodes):
    """Every other node of the pack re-checks its combo values too."""
    gaps = _combo_gaps([c for c in _pack_node_classes() if c.define_schema().node_id not in AUDITED])
    assert not gaps, "V3 combo values not re-checked in validate_inputs (any value reaches execute): " + ", ".join(gaps)
