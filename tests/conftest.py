"""Shared pytest fixtures.

- `comfy_server` (session): one real ComfyUI 0.3.75 server (`scripts/comfy_harness.ComfyServer`) started
  from `.comfyui/ComfyUI` with `.venv`'s python, `--cpu` on a free loopback port; its output, input,
  temp and user directories and its database live under pytest's tmp dir; its log is kept at
  `test-artifacts/comfyui-server.log`. Stopped (terminate, then kill) at the end of the session.
  Without an installed ComfyUI the tests that use it are skipped, except under CI (CI=true) where
  they fail: run `bash scripts/setup.sh`.
- `comfy_client` (function): a `ComfyClient` of that server (own client_id and websocket).
"""
from __future__ import annotations

import os

import pytest

import comfy_harness  # importable through pyproject's `pythonpath = ["tests", "scripts"]`


@pytest.fixture(scope="session")
def comfy_server(tmp_path_factory):
    if not comfy_harness.comfyui_installed():
        message = (f"ComfyUI is not installed in {comfy_harness.COMFY_DIR} (or .venv is missing): "
                   "run `bash scripts/setup.sh`")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("comfyui")
    server = comfy_harness.ComfyServer(root, log_path=comfy_harness.ARTIFACTS_DIR / "comfyui-server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def comfy_client(comfy_server):
    client = comfy_server.client()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def comfy_api_importable(monkeypatch):
    """For tests that import a node module directly (no server): ComfyUI's `comfy_api` is put
    on the path for this test only when it is not importable already (skipped without a
    local ComfyUI, failed under CI)."""
    import importlib

    try:
        importlib.import_module("comfy_api.latest")
    except ImportError:
        if not comfy_harness.comfyui_installed():
            message = f"ComfyUI is not installed in {comfy_harness.COMFY_DIR}: run `bash scripts/setup.sh`"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        monkeypatch.syspath_prepend(str(comfy_harness.COMFY_DIR))
