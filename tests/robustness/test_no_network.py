"""No network, no code from strings, no runtime installs.

- The guard (`netguard/sitecustomize.py`) refuses and records every connection or DNS lookup
  to a non-loopback address in any Python process started with it on PYTHONPATH.
- The robustness server runs under it for the whole suite; after a generation through it,
  nothing was recorded (imports of the pack and jobs included).
- Headless: importing every module of the pack (nodes included, with ComfyUI's modules on
  sys.path) and a generation written to MP4, in a guarded subprocess, record nothing.
- Static: an AST scan of the pack's Python sources finds no eval/exec/compile/__import__,
  no pickle / torch.load / subprocess / os.system / network client imports, and no pip;
  the web extension has no eval / new Function."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from comfy_harness import COMFY_DIR, VENV_PYTHON
from robustness.helpers import REPO, WORKFLOW_EXTRA, av_prompt

GUARD = Path(__file__).resolve().parent / "netguard"


def _guarded_python(code: str, log: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(GUARD), TALKIE_NET_GUARD_LOG=str(log), OMP_NUM_THREADS="1", HF_HUB_OFFLINE="0")
    python = str(VENV_PYTHON if VENV_PYTHON.exists() else sys.executable)
    return subprocess.run([python, "-c", code], env=env, cwd=str(REPO), capture_output=True, text=True,
                          timeout=timeout)


def _records(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()] if log.exists() else []


def test_guard_refuses_and_records_outside_connections(tmp_path):
    log = tmp_path / "guard.jsonl"
    code = """
import socket
for target in [("203.0.113.7", 443), ("2001:db8::1", 80)]:
    fam = socket.AF_INET6 if ":" in target[0] else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.connect(target)
    except OSError as e:
        assert "network guard" in str(e), e
    else:
        raise SystemExit("connect was not refused")
try:
    socket.getaddrinfo("example.com", 443)
except OSError as e:
    assert "network guard" in str(e), e
else:
    raise SystemExit("DNS lookup was not refused")
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname(), timeout=5)  # loopback is allowed
c.close(); srv.close()
print("ok")
"""
    r = _guarded_python(code, log, timeout=60)
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout + r.stderr
    assert [x["call"] for x in _records(log)] == ["connect", "connect", "getaddrinfo"]


@pytest.mark.server
def test_server_with_the_pack_never_reaches_the_network(robust_client, robust_server):
    loaded = Path(str(robust_server.guard_log) + ".loaded").read_text().split()
    assert str(robust_server.proc.pid) in loaded, "the network guard is not installed in the server"
    history = robust_client.run(av_prompt(seed=4242, prefix="robustness/no-network"), WORKFLOW_EXTRA)
    assert robust_client.output_files(history)
    records = _records(robust_server.guard_log)
    assert not records, "outside connections were attempted:\n" + "\n".join(
        f"{r['call']} {r['address']}\n{''.join(r['stack'][-8:])}" for r in records)


def test_headless_import_and_generation_never_reach_the_network(tmp_path):
    log = tmp_path / "guard.jsonl"
    out = tmp_path / "clip.mp4"
    code = f"""
import importlib, pkgutil, sys
sys.path.append({str(COMFY_DIR)!r})
import talkie, talkie.models, talkie.nodes
names = []
for pkg in (talkie.models, talkie.nodes):
    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        importlib.import_module(m.name)
        names.append(m.name)
import talkie.cli
from talkie.models.pipeline import Generator, SamplingSettings
from talkie.models.media import write_av_mp4
clip = Generator.from_checkpoint().generate("a door slams", seconds=1.0, seed=3, settings=SamplingSettings(steps=2))
write_av_mp4({str(out)!r}, clip.frames[0], clip.mix[0], clip.fps, clip.sample_rate)
print("modules", len(names))
"""
    r = _guarded_python(code, log)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert out.stat().st_size > 0
    records = _records(log)
    assert not records, "outside connections were attempted:\n" + "\n".join(
        f"{x['call']} {x['address']}\n{''.join(x['stack'][-8:])}" for x in records)


# --- static scan ---------------------------------------------------------------------------------
PACK_SOURCES = ["__init__.py", "cli.py", "nodes", "models"]
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "execfile"}
FORBIDDEN_ATTR_CALLS = {("torch", "load"), ("pickle", "load"), ("pickle", "loads"), ("os", "system"),
                        ("os", "popen"), ("os", "execv"), ("os", "execvp"), ("os", "spawnv"), ("pip", "main"),
                        ("importlib", "import_module"), ("np", "load"), ("numpy", "load")}
FORBIDDEN_IMPORTS = {"pickle", "cPickle", "dill", "marshal", "shelve", "subprocess", "socket", "urllib",
                     "urllib3", "requests", "http", "httpx", "aiohttp", "ftplib", "smtplib", "pip", "ensurepip",
                     "huggingface_hub", "websocket", "ctypes"}
TEXT_PATTERNS = re.compile(r"pip install|pip3 install|-m pip|ensurepip|trust_remote_code\s*=\s*True")


def _pack_files() -> list[Path]:
    files = []
    for entry in PACK_SOURCES:
        p = REPO / entry
        files += [p] if p.is_file() else sorted(p.rglob("*.py"))
    return [f for f in files if "__pycache__" not in f.parts]


def test_pack_sources_have_no_eval_pickle_subprocess_network_or_pip():
    problems = []
    files = _pack_files()
    assert len(files) > 10, files
    for path in files:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
        rel = path.relative_to(REPO)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name) and f.id in FORBIDDEN_CALLS:
                    problems.append(f"{rel}:{node.lineno}: {f.id}()")
                if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                        and (f.value.id, f.attr) in FORBIDDEN_ATTR_CALLS:
                    problems.append(f"{rel}:{node.lineno}: {f.value.id}.{f.attr}()")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in FORBIDDEN_IMPORTS:
                        problems.append(f"{rel}:{node.lineno}: import {alias.name}")
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                    and node.module.split(".")[0] in FORBIDDEN_IMPORTS:
                problems.append(f"{rel}:{node.lineno}: from {node.module} import ...")
        for i, line in enumerate(text.splitlines(), 1):
            if TEXT_PATTERNS.search(line):
                problems.append(f"{rel}:{i}: {line.strip()[:100]}")
    assert not problems, "\n".join(problems)


def test_web_extension_has_no_eval():
    problems = []
    for path in sorted((REPO / "web").rglob("*.js")) if (REPO / "web").is_dir() else []:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"(?<![\w.])eval\(|new Function\(|\.innerHTML\s*=.*\$\{", line):
                problems.append(f"{path.relative_to(REPO)}:{i}: {line.strip()[:100]}")
    assert not problems, "\n".join(problems)
