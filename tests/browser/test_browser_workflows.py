"""Every shipped workflow in a real browser: a headless Chromium (/usr/bin/chromium, driven by
Playwright) on a real ComfyUI 0.3.75 with its real frontend (1.32.9) and our web extension.

For each `workflows/*.json`: open the UI, load the workflow (text_to_av through the template
browser, Templates -> Extensions -> talkie; the others through the frontend's workflow file input,
as "Open" does), check that no missing-nodes / error dialog or error toast appears, press Run, wait
for the prompt in /history, then check in the page that the Talkie Mux / Save AV node holds a
<video> whose duration is the requested length (within one frame) and that plays sound (Chromium
decodes audio bytes: `webkitAudioDecodedByteCount > 0`). Talkie's link types have their colours. A
Talkie Sync Report shows its text in the node, and the image preview its plot feeds shows the plot.
A Talkie Text Encode shows the colour names it said in the model's own words (one workflow's
prompt is edited to hold one).

Artifacts in test-artifacts/browser/: `<workflow>-graph.png` (the whole graph) and
`<workflow>-result.png` (the mux node close up, playing), `<workflow>-sync-report-<id>.png`, plus
the browser console log.

README screenshots: `TALKIE_README_SCREENSHOTS=1 bash scripts/test.sh
"tests/browser/test_browser_workflows.py::test_workflow_in_browser[text_to_av]"` writes
docs/screenshots/graph.png and docs/screenshots/result.png from the text_to_av run.

Without Chromium or Playwright these tests skip, except under CI=true where they fail.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
import requests
from urllib.parse import unquote

import comfy_harness

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / "workflows").glob("*.json"))
EXAMPLE_INPUTS = sorted(p for p in (REPO / "workflows" / "inputs").glob("*") if p.is_file())
ARTIFACTS = comfy_harness.ARTIFACTS_DIR / "browser"
README_SHOTS = REPO / "docs" / "screenshots"
README_WORKFLOW = "text_to_av"
TEMPLATE_WORKFLOW = "text_to_av"  # loaded through the template browser; the others from file
SECONDS = {"extend_to_60s": 60.0}  # as tests/integration/test_workflows.py: every other one makes 4 s
# The full minute of extend_to_60s runs in tests/integration/test_workflows.py; in the browser the
# test edits its Extend widget, as a user would, so the clip is 4 + 8 s and the suite stays short.
BROWSER_EXTEND_SECONDS = 8.0
# Workflows that take minutes on a CPU: shortened in the browser unless TALKIE_BROWSER_LONG=1
# (tests/integration/test_workflows.py always runs them through the API).
LONG = {"extend_to_60s"}
FPS = 24.0
MUX_TYPE = "TalkieSaveAV"
REPORT_TYPE = "TalkieSyncReport"
TEXT_TYPE = "TalkieTextEncode"
# in this workflow the test types an untrained colour name into the prompt, as a user would, and
# the Text Encode node must show what the model read instead
GROUNDING_WORKFLOW, GROUNDING_PROMPT, GROUNDING_SHOWN = ("audio_to_video", "a cobalt ball bouncing on the floor",
                                                         "read as: cobalt -> blue")
LINK_COLOURS = {"TALKIE_MODEL": "#E8A33D", "TALKIE_STEMS": "#3DC7B4"}  # web/talkie.js
CHROMIUM = os.environ.get("TALKIE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic", "--autoplay-policy=no-user-gesture-required",
    "--disable-dev-shm-usage", "--mute-audio",
]
VIEWPORT = {"width": 1600, "height": 1000}
RUN_TIMEOUT = float(os.environ.get("TALKIE_BROWSER_RUN_TIMEOUT", "600"))
LONG_RUN_TIMEOUT = float(os.environ.get("TALKIE_BROWSER_LONG_RUN_TIMEOUT", "2400"))

pytestmark = pytest.mark.browser


def _unavailable(message: str):
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright python package is not installed in .venv")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM} (set TALKIE_CHROMIUM, or apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def ui_server(comfy_server):
    """The session's ComfyUI with the example inputs uploaded and first-run UI turned off."""
    client = comfy_server.client()
    try:
        for f in EXAMPLE_INPUTS:
            client.upload_image(f, name=f.name)
    finally:
        client.close()
    for key, value in {"Comfy.TutorialCompleted": True, "Comfy.Workflow.ShowMissingNodesWarning": True,
                       "Comfy.Workflow.ShowMissingModelsWarning": True,
                       "Comfy.Minimap.Visible": False, "LiteGraph.Canvas.MinFontSizeForLOD": 0}.items():
        requests.post(f"{comfy_server.url}/api/settings/{key}", json=value, timeout=10).raise_for_status()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return comfy_server


@pytest.fixture
def page(browser, ui_server, request):
    # a fresh profile per test: nothing (open workflows, local storage) carries over
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    context.add_init_script("try { localStorage.setItem('vueNodesBannerDismissed', 'true') } catch (e) {}")
    pg = context.new_page()
    log: list[str] = []
    pg.on("console", lambda m: log.append(f"[{m.type}] {m.text}"))
    pg.on("pageerror", lambda e: log.append(f"[pageerror] {e}"))
    pg.goto(ui_server.url)
    pg.wait_for_function(
        "() => window.app?.graph && window.app.canvas && document.querySelector('[data-testid=queue-button]')"
        " && window.app.extensionManager", timeout=120_000)
    try:
        yield pg
    finally:
        name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        (ARTIFACTS / f"{name}.console.log").write_text("\n".join(log) + "\n", encoding="utf-8")
        context.close()


# --------------------------------------------------------------------------------------------
# Page helpers
# --------------------------------------------------------------------------------------------
ERROR_STATE_JS = """() => {
  const visible = (e) => !!(e && (e.offsetWidth || e.offsetHeight || e.getClientRects().length));
  const dialogs = Array.from(document.querySelectorAll('.p-dialog')).filter(visible)
      .map((d) => d.innerText.trim().slice(0, 400));
  const toasts = Array.from(document.querySelectorAll('.p-toast-message-error')).filter(visible)
      .map((t) => t.innerText.trim().slice(0, 400));
  const missing = visible(document.querySelector('.comfy-missing-nodes'));
  return {dialogs, toasts, missing,
          lastNodeErrors: Object.keys(window.app.lastNodeErrors ?? {}).length ? JSON.stringify(window.app.lastNodeErrors).slice(0, 800) : null,
          lastExecutionError: window.app.lastExecutionError ? JSON.stringify(window.app.lastExecutionError).slice(0, 800) : null};
}"""


def assert_no_error_ui(page, when: str):
    state = page.evaluate(ERROR_STATE_JS)
    assert not state["missing"], f"{when}: missing-nodes dialog: {state['dialogs']}"
    assert not state["dialogs"], f"{when}: a dialog is open: {state['dialogs']}"
    assert not state["toasts"], f"{when}: error toast: {state['toasts']}"
    assert not state["lastNodeErrors"], f"{when}: node errors: {state['lastNodeErrors']}"
    assert not state["lastExecutionError"], f"{when}: execution error: {state['lastExecutionError']}"


def wait_graph_loaded(page, wf: dict):
    want = sorted(n["type"] for n in wf["nodes"])
    page.wait_for_function(
        "(want) => { const got = window.app.graph.nodes.map((n) => n.type).sort();"
        " return JSON.stringify(got) === JSON.stringify(want); }", arg=want, timeout=30_000)


def load_from_template_browser(page, stem: str):
    page.get_by_text("Templates", exact=True).first.click()
    page.get_by_text("All Templates").first.wait_for(timeout=30_000)
    page.locator("nav").get_by_text("talkie", exact=True).first.click()
    content = page.get_by_test_id("template-workflows-content")
    card = content.get_by_text(stem, exact=True).first
    card.wait_for(timeout=30_000)
    card.click()
    page.get_by_text("All Templates").first.wait_for(state="hidden", timeout=30_000)


def load_from_file(page, path: Path):
    # the frontend's own "Open workflow" file input (what Workflow -> Open uses)
    page.set_input_files("#comfy-file-input", str(path))


def fit_view(page, node_ids=None):
    page.evaluate(
        """async (ids) => {
          const app = window.app;
          app.canvas.deselectAll?.();
          if (ids) for (const id of ids) { const n = app.graph.getNodeById(id); if (n) app.canvas.selectNode(n, true); }
          await app.extensionManager.command.execute('Comfy.Canvas.FitView');
          app.canvas.deselectAll?.();
          app.canvas.setDirty(true, true);
        }""", node_ids)
    page.wait_for_timeout(600)


def queue_from_ui(page) -> str:
    """Press Run; returns the prompt id the frontend got back from POST /api/prompt."""
    with page.expect_response(lambda r: r.url.endswith("/api/prompt") and r.request.method == "POST",
                              timeout=60_000) as resp:
        page.get_by_test_id("queue-button").click()
    body = resp.value.json()
    assert resp.value.ok and "prompt_id" in body, f"POST /api/prompt answered {resp.value.status}: {body}"
    return body["prompt_id"]


def wait_for_run(url: str, prompt_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        item = requests.get(f"{url}/api/history/{prompt_id}", timeout=10).json().get(prompt_id)
        status = (item or {}).get("status", {})
        if status.get("status_str") == "error":
            msgs = [m for m in status.get("messages", []) if m[0] == "execution_error"]
            raise AssertionError(f"the prompt failed: {json.dumps(msgs)[:3000]}")
        if status.get("completed"):
            return item
        time.sleep(0.5)
    # leave the server idle for the next test
    requests.post(f"{url}/api/queue", json={"delete": [prompt_id]}, timeout=10)
    requests.post(f"{url}/api/interrupt", json={"prompt_id": prompt_id}, timeout=10)
    raise AssertionError(f"prompt {prompt_id} did not finish within {timeout:.0f} s")


PLAYER_JS = """(type) => {
  const node = window.app.graph.nodes.find((n) => n.type === type);
  if (!node) return {error: 'no ' + type + ' node in the graph'};
  const el = node.videoContainer?.querySelector('video')
      ?? node.widgets?.find((w) => w.name === 'talkie-video')?.talkieVideo ?? null;
  const all = Array.from(document.querySelectorAll('video'));
  if (!el) return {node: node.id, found: false, videos: all.length};
  return {node: node.id, found: true, videos: all.length, src: el.currentSrc || el.src,
          readyState: el.readyState, duration: el.duration, controls: el.controls, muted: el.muted,
          tagged: el.classList.contains('talkie-player'), width: el.videoWidth, height: el.videoHeight,
          inDom: document.body.contains(el), error: el.error ? el.error.code : null};
}"""

PLAY_JS = """async (type) => {
  const node = window.app.graph.nodes.find((n) => n.type === type);
  const el = node.videoContainer?.querySelector('video')
      ?? node.widgets?.find((w) => w.name === 'talkie-video')?.talkieVideo;
  el.currentTime = 0;
  await el.play();
  const t0 = performance.now();
  while (performance.now() - t0 < 6000 && !(el.webkitAudioDecodedByteCount > 0 && el.currentTime > 0.5)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return {audioBytes: el.webkitAudioDecodedByteCount, videoBytes: el.webkitVideoDecodedByteCount,
          currentTime: el.currentTime, paused: el.paused, muted: el.muted, volume: el.volume,
          decodedFrames: el.webkitDecodedFrameCount};
}"""


def check_sync_reports(page, wf: dict, item: dict) -> list[int]:
    """Each Talkie Sync Report shows its text in the node (web/talkie.js); an image preview fed by
    its plot output (the shipped "Sync at a glance" Preview Image) shows the plot."""
    reports = [n for n in wf["nodes"] if n["type"] == REPORT_TYPE]
    link_src = {l[0]: (l[1], l[2]) for l in wf.get("links", [])}
    for rep in reports:
        out = item["outputs"].get(str(rep["id"]), {})
        assert out.get("text"), (rep["id"], item["outputs"].keys())
        expected = out["text"][0] if isinstance(out["text"], list) else out["text"]
        page.wait_for_function(
            "(id) => { const w = window.app.graph.getNodeById(id).widgets?.find((w) => w.name === 'talkie-report');"
            " return w && document.body.contains(w.element) && w.element.textContent.length > 0; }",
            arg=rep["id"], timeout=30_000)
        shown = page.evaluate(
            "(id) => window.app.graph.getNodeById(id).widgets.find((w) => w.name === 'talkie-report')"
            ".element.textContent", rep["id"])
        assert shown.strip() == str(expected).strip()
        plot_slot = next(i for i, o in enumerate(rep["outputs"]) if o["type"] == "IMAGE")
        viewers = [n for n in wf["nodes"] if n["type"] in ("PreviewImage", "SaveImage")
                   and any(link_src.get(i.get("link")) == (rep["id"], plot_slot) for i in n.get("inputs", []))]
        for v in viewers:
            assert item["outputs"].get(str(v["id"]), {}).get("images"), item["outputs"]
        for v in viewers + ([rep] if out.get("images") else []):
            page.wait_for_function(
                "(id) => { const imgs = window.app.graph.getNodeById(id).imgs ?? [];"
                " return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0); }",
                arg=v["id"], timeout=30_000)
    return [r["id"] for r in reports]


def check_text_encodes(page, wf: dict, item: dict) -> dict[int, str]:
    """Each Talkie Text Encode shows the colour words it said in the model's words (its ui text),
    and shows nothing where it replaced none. Returns node id -> the text shown."""
    shown = {}
    for node in (n for n in wf["nodes"] if n["type"] == TEXT_TYPE):
        out = item["outputs"].get(str(node["id"]), {}).get("text", [""])
        expected = (out[0] if isinstance(out, list) else out) or ""
        if expected:
            page.wait_for_function(
                "(id) => { const w = window.app.graph.getNodeById(id).widgets?.find((w) => w.name === 'talkie-report');"
                " return w && document.body.contains(w.element) && w.element.textContent.length > 0; }",
                arg=node["id"], timeout=30_000)
        shown[node["id"]] = page.evaluate(
            "(id) => window.app.graph.getNodeById(id).widgets?.find((w) => w.name === 'talkie-report')"
            "?.element.textContent ?? ''", node["id"])
        assert shown[node["id"]] == expected, (node["id"], shown, expected)
    return shown


def screenshot_node(page, node_id: int, path: Path):
    fit_view(page, [node_id])
    # hover the player so Chromium shows its controls (play/pause, time, volume) in the shot
    box = page.evaluate(
        """(id) => { const n = window.app.graph.getNodeById(id);
          const v = n.videoContainer?.querySelector('video') ?? n.widgets?.find((w) => w.name === 'talkie-video')?.talkieVideo;
          const r = v.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; }""", node_id)
    page.mouse.move(box["x"], box["y"])
    page.wait_for_timeout(700)
    page.screenshot(path=str(path))


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.stem for p in WORKFLOWS])
def test_workflow_in_browser(page, ui_server, path):
    t0 = time.monotonic()
    wf = json.loads(path.read_text())
    seconds = SECONDS.get(path.stem, 4.0)
    assert any(n["type"] == MUX_TYPE for n in wf["nodes"]), f"{path.name} has no {MUX_TYPE} node"

    # load it
    if path.stem == TEMPLATE_WORKFLOW:
        load_from_template_browser(page, path.stem)
    else:
        load_from_file(page, path)
    wait_graph_loaded(page, wf)
    page.wait_for_timeout(500)
    assert_no_error_ui(page, f"after loading {path.name}")

    # Talkie's link types have their colours, on the canvas and in the links drawn
    colours = page.evaluate(
        "(types) => Object.fromEntries(types.map((t) => [t, [window.app.canvas.default_connection_color_byType[t],"
        " window.app.canvas.constructor.link_type_colors[t]]]))", list(LINK_COLOURS))
    for typ, colour in LINK_COLOURS.items():
        assert colours[typ] == [colour, colour], (typ, colours)

    if path.stem in LONG and not os.environ.get("TALKIE_BROWSER_LONG"):
        page.evaluate(
            "(v) => { const n = window.app.graph.nodes.find((n) => n.type === 'TalkieExtendAV');"
            " const w = n.widgets.find((w) => w.name === 'extend_seconds'); w.value = v; w.callback?.(v); }",
            BROWSER_EXTEND_SECONDS)
        seconds = 4.0 + BROWSER_EXTEND_SECONDS

    if path.stem == GROUNDING_WORKFLOW:
        prompt_node = next(n["id"] for n in wf["nodes"] if n["type"] == TEXT_TYPE and n.get("title") == "Prompt")
        page.evaluate(
            "([id, v]) => { const w = window.app.graph.getNodeById(id).widgets.find((w) => w.name === 'prompt');"
            " w.value = v; w.callback?.(v); }", [prompt_node, GROUNDING_PROMPT])

    # run it from the UI
    prompt_id = queue_from_ui(page)
    item = wait_for_run(ui_server.url, prompt_id, LONG_RUN_TIMEOUT if path.stem in LONG else RUN_TIMEOUT)
    mux_ids = [str(n["id"]) for n in wf["nodes"] if n["type"] == MUX_TYPE]
    saved = [f for i in mux_ids for f in item["outputs"].get(i, {}).get("images", [])]
    assert saved and saved[0]["filename"].endswith(".mp4"), item["outputs"]
    assert_no_error_ui(page, f"after running {path.name}")

    # the clip is in the mux node, as a <video> with controls, not muted, of the requested length
    page.wait_for_function(
        "(type) => { const n = window.app.graph.nodes.find((n) => n.type === type);"
        " const v = n?.videoContainer?.querySelector('video') ?? n?.widgets?.find((w) => w.name === 'talkie-video')?.talkieVideo;"
        " return v && v.readyState >= 1 && isFinite(v.duration) && v.classList.contains('talkie-player'); }",
        arg=MUX_TYPE, timeout=30_000)
    player = page.evaluate(PLAYER_JS, MUX_TYPE)
    assert player["found"] and player["inDom"], player
    assert saved[0]["filename"] in unquote(player["src"]), (player, saved)
    assert player["controls"] and not player["muted"] and player["tagged"], player
    assert player["error"] is None, player
    assert abs(player["duration"] - seconds) <= 1.0 / FPS + 1e-6, (player["duration"], seconds)
    assert player["width"] > 0 and player["height"] > 0, player
    # exactly one player in the node: the frontend's own, not a second one of ours
    assert page.evaluate(
        "(type) => { const n = window.app.graph.nodes.find((n) => n.type === type);"
        " return (n.widgets ?? []).filter((w) => w.name === 'video-preview' || w.name === 'talkie-video').length; }",
        MUX_TYPE) == 1

    # it plays, and with sound: Chromium counts the audio bytes it decoded
    played = page.evaluate(PLAY_JS, MUX_TYPE)
    assert played["audioBytes"] > 0, played
    assert played["videoBytes"] > 0 and played["currentTime"] > 0, played
    assert not played["muted"], played

    # Sync Report: its text in the node, its plot in the preview node it feeds
    report_ids = check_sync_reports(page, wf, item)
    # Text Encode: the colour words it said in the model's own words
    encodes = check_text_encodes(page, wf, item)
    if path.stem == GROUNDING_WORKFLOW:
        assert encodes[prompt_node] == GROUNDING_SHOWN, encodes

    # artifacts: the whole graph, and the mux node close up (playing)
    fit_view(page)
    graph_png = ARTIFACTS / f"{path.stem}-graph.png"
    page.screenshot(path=str(graph_png))
    result_png = ARTIFACTS / f"{path.stem}-result.png"
    screenshot_node(page, int(player["node"]), result_png)
    for rid in report_ids:
        fit_view(page, [rid] + [n["id"] for n in wf["nodes"] if n["type"] in ("PreviewImage",)])
        page.screenshot(path=str(ARTIFACTS / f"{path.stem}-sync-report-{rid}.png"))
    if path.stem == README_WORKFLOW and os.environ.get("TALKIE_README_SCREENSHOTS"):
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(graph_png, README_SHOTS / "graph.png")
        shutil.copyfile(result_png, README_SHOTS / "result.png")
    assert_no_error_ui(page, f"at the end of {path.name}")
    print(f"{path.stem}: {time.monotonic() - t0:.1f} s in the browser")

