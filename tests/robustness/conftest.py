"""Fixtures of the robustness suite.

`robust_server` (session): a ComfyUI server of its own, so that fuzzing, interrupts and the
load test cannot disturb the integration tests' server. It differs from `comfy_server` in:
- every Python process it starts runs under `netguard/sitecustomize.py`, which refuses and
  records any connection to a non-loopback address (`test_no_network.py` reads the record);
- an extra model path config adds `<tmp>/models/talkie`, where the checkpoint tests put
  their hostile files (nothing is written into the repository's ComfyUI);
- one CPU thread (OMP/MKL), so the suite stays quick on a small shared machine.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import comfy_harness

HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "load: a bounded load test (100 tiny jobs, a few minutes at most)")


@pytest.fixture(scope="session")
def robust_server(tmp_path_factory):
    if not comfy_harness.comfyui_installed():
        message = f"ComfyUI is not installed in {comfy_harness.COMFY_DIR}: run `bash scripts/setup.sh`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("robust-comfyui")
    models = root / "models"
    (models / "talkie").mkdir(parents=True)
    extra = root / "extra_model_paths.yaml"
    extra.write_text(f"talkie_robustness:\n    base_path: {models}\n    talkie: talkie\n")
    guard_log = root / "net-guard.jsonl"
    guard_log.touch()
    env = {"PYTHONPATH": str(HERE / "netguard"), "TALKIE_NET_GUARD_LOG": str(guard_log),
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    server = comfy_harness.ComfyServer(root, log_path=comfy_harness.ARTIFACTS_DIR / "comfyui-robustness.log",
                                       extra_args=["--extra-model-paths-config", str(extra)], env=env)
    server.models_dir = models / "talkie"
    server.guard_log = guard_log
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def robust_client(robust_server):
    client = robust_server.client()
    try:
        yield client
    finally:
        client.close()
