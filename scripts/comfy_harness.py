"""Run a real ComfyUI server in tests and talk to it.

A plain helper module: importing it starts nothing and needs neither `requests` nor `websocket-client`
(they are imported when a client is made). `tests/conftest.py` wraps it in pytest fixtures.

Pieces:
- `ComfyServer`: starts `.comfyui/ComfyUI/main.py --cpu` (installed by `scripts/setup_comfyui.sh`) on a
  free loopback port with its output/input/temp/user directories and its database under a folder
  of the caller's choosing, logs to a file, waits for `/system_stats`, and stops it (terminate, then kill).
- `ComfyClient`: the HTTP + websocket API: `queue_prompt`, `wait`, `run`, `run_workflow`, `interrupt`,
  `object_info`, `upload_image`, `output_files`, `history`, `view`.
- `ui_workflow_to_api`: turns a UI-format workflow (what the frontend saves: `nodes[]`, `links[]`,
  `widgets_values`) into an API prompt, the way the frontend's "Export (API)" does.
"""
from __future__ import annotations

import json
import mimetypes
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable

REPO_ROOT = Path(__file__).resolve().parents[1]
COMFY_DIR = REPO_ROOT / ".comfyui" / "ComfyUI"
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"

DEFAULT_START_TIMEOUT = float(os.environ.get("TALKIE_COMFY_START_TIMEOUT", "240"))


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
class ComfyError(Exception):
    """Anything that went wrong talking to, or inside, the ComfyUI server."""


class PromptRejected(ComfyError):
    """POST /prompt answered with an error (400: validation failed). `body` is the server's JSON."""

    def __init__(self, status: int, body: Any):
        self.status = status
        self.body = body
        self.error = body.get("error") if isinstance(body, dict) else None
        self.node_errors = body.get("node_errors", {}) if isinstance(body, dict) else {}
        text = json.dumps(body, indent=1) if isinstance(body, (dict, list)) else str(body)
        super().__init__(f"ComfyUI rejected the prompt (HTTP {status}):\n{text}")


class ExecutionFailed(ComfyError):
    """A node raised while the prompt ran (websocket `execution_error`)."""

    def __init__(self, prompt_id: str, data: dict):
        self.prompt_id = prompt_id
        self.data = data
        self.node_id = str(data.get("node_id"))
        self.node_type = data.get("node_type")
        self.exception_type = data.get("exception_type")
        self.exception_message = data.get("exception_message", "")
        tb = data.get("traceback") or []
        self.traceback = "".join(tb) if isinstance(tb, list) else str(tb)
        super().__init__(
            f"node {self.node_id} ({self.node_type}) failed: {self.exception_type}: "
            f"{self.exception_message}\n{self.traceback}"
        )


class ExecutionInterrupted(ComfyError):
    """The prompt was interrupted (websocket `execution_interrupted`)."""

    def __init__(self, prompt_id: str, data: dict):
        self.prompt_id = prompt_id
        self.data = data
        super().__init__(f"prompt {prompt_id} was interrupted at node {data.get('node_id')} ({data.get('node_type')})")


# --------------------------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def comfyui_installed(comfy_dir: Path = COMFY_DIR, python: Path = VENV_PYTHON) -> bool:
    return (Path(comfy_dir) / "main.py").is_file() and Path(python).exists()


class ComfyServer:
    """A ComfyUI server process whose writable folders all live under `root`.

    `root/output`, `root/input`, `root/temp` (ComfyUI appends `temp/` itself, see `temp_dir`),
    `root/user` and `root/comfyui.db`. The log goes to `log_path` (default `root/comfyui.log`).
    """

    def __init__(
        self,
        root: Path,
        *,
        comfy_dir: Path = COMFY_DIR,
        python: Path | str | None = None,
        port: int | None = None,
        log_path: Path | None = None,
        extra_args: Iterable[str] = (),
        env: dict | None = None,
    ):
        self.root = Path(root)
        self.comfy_dir = Path(comfy_dir)
        self.python = str(python or (VENV_PYTHON if VENV_PYTHON.exists() else sys.executable))
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.output_dir = self.root / "output"
        self.input_dir = self.root / "input"
        self.temp_root = self.root / "temp"
        self.temp_dir = self.temp_root / "temp"  # ComfyUI's --temp-directory gets "temp" appended
        self.user_dir = self.root / "user"
        self.database = self.root / "comfyui.db"
        self.log_path = Path(log_path) if log_path else self.root / "comfyui.log"
        self.extra_args = list(extra_args)
        self.env = env
        self.proc: subprocess.Popen | None = None
        self._log_file = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        return [
            self.python, "main.py", "--cpu",
            "--listen", self.host, "--port", str(self.port),
            "--output-directory", str(self.output_dir),
            "--input-directory", str(self.input_dir),
            "--temp-directory", str(self.temp_root),
            "--user-directory", str(self.user_dir),
            "--database-url", f"sqlite:///{self.database}",
            "--disable-auto-launch",
            *self.extra_args,
        ]

    def start(self, timeout: float = DEFAULT_START_TIMEOUT) -> "ComfyServer":
        if not (self.comfy_dir / "main.py").is_file():
            raise ComfyError(f"no ComfyUI in {self.comfy_dir}: run scripts/setup.sh (or scripts/setup_comfyui.sh)")
        for d in (self.output_dir, self.input_dir, self.temp_root, self.user_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update({
            "PYTHONUNBUFFERED": "1",
            # Nothing outside this machine can be reached: never let a library try a hub.
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "DO_NOT_TRACK": "1",
        })
        env.pop("PYTHONPATH", None)  # the server must not see the test runner's import paths
        if self.env:
            env.update(self.env)
        self._log_file = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self._log_file.write(f"$ cd {self.comfy_dir} && {' '.join(self.command())}\n")
        self._log_file.flush()
        self.proc = subprocess.Popen(
            self.command(), cwd=self.comfy_dir, env=env, stdin=subprocess.DEVNULL,
            stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ComfyError(
                    f"ComfyUI exited with code {self.proc.returncode} while starting; log {self.log_path}:\n"
                    f"{self.log_tail()}"
                )
            try:
                r = requests.get(f"{self.url}/system_stats", timeout=2)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.25)
        raise ComfyError(f"ComfyUI did not answer /system_stats within {timeout:.0f} s; log:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def memory_kib(self, key: str = "VmRSS") -> int:
        """The server process's memory from /proc/<pid>/status: VmRSS now, VmHWM its peak."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"no {key} for pid {self.proc.pid}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, n: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    def stop(self, timeout: float = 20.0) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            # The server runs in its own session (process group = its pid): signal that group only.
            for sig, wait_s in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(wait_s)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def client(self, **kwargs) -> "ComfyClient":
        return ComfyClient(
            self.url, output_dir=self.output_dir, input_dir=self.input_dir, temp_dir=self.temp_dir,
            liveness=self._liveness, **kwargs,
        )

    def _liveness(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise ComfyError(f"the ComfyUI server died (exit code {self.proc.returncode}); log:\n{self.log_tail()}")

    def __enter__(self) -> "ComfyServer":
        return self.start() if self.proc is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------------------------
class ComfyClient:
    """Talks to one ComfyUI server over HTTP and its websocket (as one `client_id`)."""

    def __init__(
        self,
        base_url: str,
        *,
        output_dir: Path | None = None,
        input_dir: Path | None = None,
        temp_dir: Path | None = None,
        client_id: str | None = None,
        request_timeout: float = 60.0,
        liveness: Callable[[], None] | None = None,
    ):
        import requests

        self.base_url = base_url.rstrip("/")
        self.client_id = client_id or uuid.uuid4().hex
        self.dirs = {"output": output_dir, "input": input_dir, "temp": temp_dir}
        self.request_timeout = request_timeout
        self.session = requests.Session()
        self._liveness = liveness
        self._ws = None
        self._object_info: dict | None = None
        self.messages: dict[str, list[dict]] = {}  # prompt_id -> websocket messages seen for it

    # -- plain HTTP -----------------------------------------------------------------------------
    def _get(self, path: str, **kw):
        r = self.session.get(self.base_url + path, timeout=self.request_timeout, **kw)
        r.raise_for_status()
        return r

    def system_stats(self) -> dict:
        return self._get("/system_stats").json()

    def object_info(self, node_class: str | None = None, refresh: bool = False) -> dict:
        """GET /object_info (cached), or one node class's entry."""
        if self._object_info is None or refresh:
            self._object_info = self._get("/object_info").json()
        return self._object_info if node_class is None else self._object_info[node_class]

    def history(self, prompt_id: str) -> dict | None:
        """The `/history/{id}` entry for this prompt, or None while it has none."""
        return self._get(f"/history/{prompt_id}").json().get(prompt_id)

    def queue(self) -> dict:
        return self._get("/queue").json()

    def interrupt(self) -> None:
        """POST /interrupt: stops the prompt that is running now."""
        r = self.session.post(self.base_url + "/interrupt", json={}, timeout=self.request_timeout)
        r.raise_for_status()

    def free(self, unload_models: bool = True, free_memory: bool = True) -> None:
        r = self.session.post(self.base_url + "/free", json={"unload_models": unload_models, "free_memory": free_memory},
                              timeout=self.request_timeout)
        r.raise_for_status()

    def upload_image(self, source: Path | str | bytes, name: str | None = None, *, subfolder: str = "",
                     overwrite: bool = True, upload_type: str = "input") -> str:
        """POST /upload/image. Any file works (the frontend uploads videos and audio this way too).

        Returns the name a loader node's combo takes ("subfolder/name" when a subfolder is given).
        """
        if isinstance(source, (bytes, bytearray)):
            if not name:
                raise ValueError("name is required when uploading bytes")
            data = bytes(source)
        else:
            path = Path(source)
            data = path.read_bytes()
            name = name or path.name
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        r = self.session.post(
            self.base_url + "/upload/image",
            files={"image": (name, data, mime)},
            data={"overwrite": "true" if overwrite else "false", "subfolder": subfolder, "type": upload_type},
            timeout=self.request_timeout,
        )
        if r.status_code != 200:
            raise ComfyError(f"upload of {name} failed: HTTP {r.status_code} {r.text[:500]}")
        info = r.json()
        return f"{info['subfolder']}/{info['name']}" if info.get("subfolder") else info["name"]

    upload_file = upload_image

    def view(self, file_info: dict) -> bytes:
        """GET /view for one `{"filename", "subfolder", "type"}` item of a history's outputs."""
        params = {k: file_info.get(k, "") for k in ("filename", "subfolder", "type")}
        return self._get("/view", params=params).content

    # -- prompts --------------------------------------------------------------------------------
    def queue_prompt(self, api_prompt: dict, extra_data: dict | None = None, allow_nan: bool = False) -> str:
        """POST /prompt; returns the prompt_id. Raises PromptRejected (with node_errors) on a 400.
        `allow_nan` writes NaN/Infinity as the bare literals the server's `json.loads` accepts
        (`requests` refuses them): for tests that send hostile numbers."""
        self._connect_ws()  # listen before queueing, so no message of this prompt is missed
        payload = {"prompt": api_prompt, "client_id": self.client_id}
        if extra_data:
            payload["extra_data"] = extra_data
        r = self.session.post(self.base_url + "/prompt", data=json.dumps(payload, allow_nan=allow_nan),
                              headers={"Content-Type": "application/json"}, timeout=self.request_timeout)
        if r.status_code != 200:
            try:
                body = r.json()
            except ValueError:
                body = r.text
            raise PromptRejected(r.status_code, body)
        prompt_id = r.json()["prompt_id"]
        self.messages.setdefault(prompt_id, [])
        return prompt_id

    def wait(self, prompt_id: str, timeout: float = 600.0) -> dict:
        """Follow the websocket until the prompt finished; return its `/history/{id}` entry.

        The entry has `outputs` ({node_id: ui dict}), `status` and `prompt`. Raises ExecutionFailed on
        `execution_error`, ExecutionInterrupted on `execution_interrupted`, TimeoutError past `timeout`.
        The websocket messages seen for the prompt are kept in `self.messages[prompt_id]`.
        """
        import websocket

        deadline = time.monotonic() + timeout
        seen = self.messages.setdefault(prompt_id, [])
        finished = False
        next_poll = time.monotonic() + 2.0
        while not finished:
            now = time.monotonic()
            if now > deadline:
                raise TimeoutError(f"prompt {prompt_id} did not finish within {timeout:.0f} s")
            if self._liveness:
                self._liveness()
            try:
                self._connect_ws()
                self._ws.settimeout(max(0.05, min(1.0, deadline - now)))
                raw = self._ws.recv()
            except websocket.WebSocketTimeoutException:
                raw = None
            except (websocket.WebSocketException, OSError):
                self._close_ws()  # reconnect on the next turn; the history poll still sees the end
                time.sleep(0.5)
                raw = None
            if isinstance(raw, str) and raw:
                msg = json.loads(raw)
                data = msg.get("data") or {}
                if data.get("prompt_id") == prompt_id:
                    seen.append(msg)
                    kind = msg.get("type")
                    if kind == "execution_error":
                        raise ExecutionFailed(prompt_id, data)
                    if kind == "execution_interrupted":
                        raise ExecutionInterrupted(prompt_id, data)
                    if kind == "execution_success" or (kind == "executing" and data.get("node") is None):
                        finished = True
            # bytes are preview images: ignored
            if not finished and time.monotonic() >= next_poll:
                next_poll = time.monotonic() + 2.0
                entry = self.history(prompt_id)
                if entry is not None and entry.get("status", {}).get("completed") is not None:
                    return self._check_history(prompt_id, entry)
        # execution_success comes a moment before the history is stored: poll briefly for it.
        end = time.monotonic() + 30.0
        while True:
            entry = self.history(prompt_id)
            if entry is not None:
                return self._check_history(prompt_id, entry)
            if time.monotonic() > end:
                raise ComfyError(f"prompt {prompt_id} finished but has no /history entry")
            time.sleep(0.1)

    @staticmethod
    def _check_history(prompt_id: str, entry: dict) -> dict:
        status = entry.get("status") or {}
        if status.get("status_str") == "error":
            for kind, data in status.get("messages", []):
                if kind == "execution_error":
                    raise ExecutionFailed(prompt_id, data)
                if kind == "execution_interrupted":
                    raise ExecutionInterrupted(prompt_id, data)
            raise ComfyError(f"prompt {prompt_id} failed: {json.dumps(status)}")
        return entry

    def run(self, api_prompt: dict, extra_data: dict | None = None, timeout: float = 600.0) -> dict:
        """queue_prompt + wait."""
        return self.wait(self.queue_prompt(api_prompt, extra_data), timeout)

    def run_workflow(self, ui_workflow: dict, timeout: float = 600.0, extra_data: dict | None = None) -> dict:
        """Convert a UI-format workflow with this server's /object_info, run it with the workflow
        embedded as `extra_pnginfo` (as the frontend does), and return the history entry."""
        api = ui_workflow_to_api(ui_workflow, self.object_info())
        extra = {"extra_pnginfo": {"workflow": ui_workflow}}
        extra.update(extra_data or {})
        return self.run(api, extra, timeout)

    def output_files(self, history: dict, types: Iterable[str] = ("output",)) -> list[Path]:
        """The paths of the files a finished prompt saved (by default only `type == "output"`;
        pass `types=("output", "temp")` to include previews). Needs the server's directories."""
        if len(history) == 1 and "outputs" not in history:  # a raw /history/{id} answer
            history = next(iter(history.values()))
        types = set(types)
        paths: list[Path] = []
        for node_id in sorted(history.get("outputs", {}), key=_node_sort_key):
            for items in history["outputs"][node_id].values():
                if not isinstance(items, list):
                    continue
                for item in items:
                    if not (isinstance(item, dict) and "filename" in item and item.get("type", "output") in types):
                        continue
                    base = self.dirs.get(item.get("type", "output"))
                    if base is None:
                        raise ComfyError(f"the client does not know the server's {item.get('type')} directory")
                    paths.append(Path(base) / item.get("subfolder", "") / item["filename"])
        return paths

    # -- websocket ------------------------------------------------------------------------------
    def _connect_ws(self) -> None:
        if self._ws is not None:
            return
        import websocket

        ws_url = self.base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        self._ws = websocket.create_connection(f"{ws_url}/ws?clientId={self.client_id}", timeout=self.request_timeout)

    def _close_ws(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                ws.close()
            except Exception:
                pass

    def close(self) -> None:
        self._close_ws()
        self.session.close()

    def __enter__(self) -> "ComfyClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _node_sort_key(node_id: str):
    parts = str(node_id).split(":")
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts]


# --------------------------------------------------------------------------------------------
# UI workflow -> API prompt
# --------------------------------------------------------------------------------------------
MODE_ALWAYS = 0
MODE_NEVER = 2   # "muted": the node and everything only it feeds are left out
MODE_BYPASS = 4  # the node is skipped; its outputs pass through matching-type inputs

VIRTUAL_NODE_TYPES = frozenset({"Note", "MarkdownNote", "Reroute", "PrimitiveNode"})
WIDGET_TYPES = frozenset({"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"})
CONTROL_VALUES = frozenset({"fixed", "increment", "decrement", "randomize"})
SEED_NAMES = frozenset({"seed", "noise_seed"})  # the frontend adds the control widget to these by name too
# Upload combos carry extra widget values after theirs: the upload button's ("image") for images and
# videos, the audio preview's and the button's (null, null) for audio.
UPLOAD_EXTRAS = {"image_upload": 1, "video_upload": 1, "audio_upload": 2}
UPLOAD_EXTRA_VALUES = ("image", "video", "audio", None, "")


def _links_table(ui: dict) -> dict[int, tuple]:
    """{link_id: (origin_id, origin_slot, target_id, target_slot, type)} for list or object links."""
    table = {}
    for link in ui.get("links") or []:
        if isinstance(link, dict):
            table[link["id"]] = (link["origin_id"], link["origin_slot"], link["target_id"], link["target_slot"], link.get("type"))
        else:
            lid, o, os_, t, ts, typ = (list(link) + [None] * 6)[:6]
            table[lid] = (o, os_, t, ts, typ)
    return table


def _types_match(a: Any, b: Any) -> bool:
    if a in (None, "", "*") or b in (None, "", "*"):
        return True
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        return bool(set(a.split(",")) & set(b.split(",")))
    return False


def _input_specs(info: dict) -> list[tuple[str, Any]]:
    """[(name, spec)] in the frontend's widget order: `input_order` required, then optional."""
    inputs = info.get("input", {})
    order = info.get("input_order") or {sec: list(inputs.get(sec, {})) for sec in ("required", "optional")}
    out = []
    for sec in ("required", "optional"):
        for name in order.get(sec, []):
            spec = inputs.get(sec, {}).get(name)
            if spec is not None:
                out.append((name, spec))
    return out


def _spec_options(spec: Any) -> dict:
    return spec[1] if isinstance(spec, (list, tuple)) and len(spec) > 1 and isinstance(spec[1], dict) else {}


def _is_widget(spec: Any, extra_widget_types: frozenset) -> bool:
    typ = spec[0] if isinstance(spec, (list, tuple)) and spec else spec
    opts = _spec_options(spec)
    if opts.get("forceInput"):
        return False
    if isinstance(typ, (list, tuple)):  # V1 combo: the options list itself
        return True
    return typ in WIDGET_TYPES or typ in extra_widget_types


def _widget_inputs(node: dict, info: dict, extra_widget_types: frozenset) -> dict[str, Any]:
    """Map a node's widgets_values onto its input names."""
    values = node.get("widgets_values")
    specs = [(n, s) for n, s in _input_specs(info) if _is_widget(s, extra_widget_types)]
    if values is None:
        return {}
    if isinstance(values, dict):  # some packs (e.g. VHS) save widgets by name
        return {n: values[n] for n, _ in specs if n in values}
    out: dict[str, Any] = {}
    i = 0
    for name, spec in specs:
        if i >= len(values):
            break
        out[name] = values[i]
        i += 1
        opts = _spec_options(spec)
        # control_after_generate: one extra "fixed"/"increment"/... value after the widget's.
        has_control = opts.get("control_after_generate") or (name in SEED_NAMES and spec[0] == "INT")
        if has_control and i < len(values) and values[i] in CONTROL_VALUES:
            i += 1
        for key, n_extra in UPLOAD_EXTRAS.items():
            if opts.get(key):
                for _ in range(n_extra):
                    if i < len(values) and values[i] in UPLOAD_EXTRA_VALUES:
                        i += 1
    return out


def ui_workflow_to_api(ui_json: dict, object_info: dict, *, extra_widget_types: Iterable[str] = ()) -> dict:
    """Convert a UI-format workflow into an API prompt `{node_id: {"class_type", "inputs", "_meta"}}`.

    Follows the frontend's graphToPrompt:
    - widgets_values are matched to the node's widget inputs in `/object_info` `input_order`
      (required, then optional), skipping the extra `control_after_generate` value after seed-like
      inputs and the upload widgets' extra values after upload combos; V1 (`[[options], {...}]`) and
      V3 (`["COMBO", {"options": [...]}]`) combos are both widgets; `forceInput` inputs are not.
    - linked inputs (sockets, and widgets converted to inputs) become `[origin_id, slot]`.
    - muted nodes (mode 2) are left out, and so are links from them.
    - bypassed nodes (mode 4) are left out; a link from one is followed through the bypassed node's
      input of the same type (same slot index first, then the first matching one).
    - virtual nodes are left out: Note/MarkdownNote; Reroute (links are followed through it);
      PrimitiveNode (its value replaces the link).
    - node types unknown to object_info are kept with their linked inputs only, so the server
      reports them (a 400 naming the missing node).
    Subgraphs and legacy group nodes are not supported (NotImplementedError).
    `extra_widget_types`: custom widget types that a pack's JS registers (they take a widget value).
    """
    extra_types = frozenset(extra_widget_types)
    nodes = {n["id"]: n for n in ui_json.get("nodes", [])}
    links = _links_table(ui_json)
    subgraph_ids = {sg.get("id") for sg in (ui_json.get("definitions") or {}).get("subgraphs", [])}

    for node in nodes.values():
        t = node.get("type", "")
        if t in subgraph_ids:
            raise NotImplementedError(f"node {node['id']} is a subgraph ({t}): subgraphs are not supported")
        if t.startswith("workflow>") or t.startswith("workflow/"):
            raise NotImplementedError(f"node {node['id']} is a legacy group node ({t}): not supported")

    def resolve(link_id: int, depth: int = 0):
        """-> ("link", origin_id, slot) | ("value", v) | None"""
        if depth > 64 or link_id not in links:
            return None
        origin_id, origin_slot, _t, _ts, link_type = links[link_id]
        origin = nodes.get(origin_id)
        if origin is None:
            return None
        otype = origin.get("type")
        mode = origin.get("mode", MODE_ALWAYS)
        if otype == "Reroute":
            ins = origin.get("inputs") or []
            return resolve(ins[0]["link"], depth + 1) if ins and ins[0].get("link") is not None else None
        if otype == "PrimitiveNode":
            vals = origin.get("widgets_values")
            if isinstance(vals, list) and vals:
                return ("value", vals[0])
            return None
        if mode == MODE_NEVER or otype in VIRTUAL_NODE_TYPES:
            return None
        if mode == MODE_BYPASS:
            outs = origin.get("outputs") or []
            out_type = outs[origin_slot].get("type") if origin_slot is not None and origin_slot < len(outs) else link_type
            ins = origin.get("inputs") or []
            candidates = []
            if origin_slot is not None and origin_slot < len(ins):
                candidates.append(ins[origin_slot])
            candidates += [inp for inp in ins if inp not in candidates]
            for inp in candidates:
                if inp.get("link") is not None and _types_match(inp.get("type"), out_type):
                    got = resolve(inp["link"], depth + 1)
                    if got is not None:
                        return got
            return None
        return ("link", str(origin_id), origin_slot)

    prompt: dict[str, dict] = {}
    for node_id in sorted(nodes, key=lambda x: _node_sort_key(str(x))):
        node = nodes[node_id]
        ntype = node.get("type")
        if ntype in VIRTUAL_NODE_TYPES or node.get("mode", MODE_ALWAYS) in (MODE_NEVER, MODE_BYPASS):
            continue
        info = object_info.get(ntype)
        inputs: dict[str, Any] = _widget_inputs(node, info, extra_types) if info else {}
        for inp in node.get("inputs") or []:
            if inp.get("link") is None:
                continue
            got = resolve(inp["link"])
            if got is None:
                if "widget" not in inp:
                    inputs.pop(inp["name"], None)
                continue  # a widget input whose source is gone keeps its widget value
            inputs[inp["name"]] = [got[1], got[2]] if got[0] == "link" else got[1]
        title = node.get("title") or (info or {}).get("display_name") or ntype
        prompt[str(node_id)] = {"class_type": ntype, "inputs": inputs, "_meta": {"title": title}}
    return prompt
