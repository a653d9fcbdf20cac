"""Every MP4 stays inside ComfyUI's output folder, whatever `filename_prefix` says:
`../`, absolute paths, backslashes, and a symlink inside the output folder that points
outside. Each hostile prefix is either refused with a clear message or saved inside, and
no file or folder appears outside (ComfyUI's own check compares absolute paths without
resolving links, and its get_save_image_path creates the folder before checking)."""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

from comfy_harness import COMFY_DIR
from robustness.helpers import av_prompt, clear_outcome_message, run_raw

HOSTILE = ["../escape", "../../escape", "../../../../../../tmp/talkie-escape", "..\\..\\escape", "..\\escape",
           "sub/../../escape", "./../escape", "%year%/../../escape", "{link}/clip", "{link}/sub/clip",
           "{link}\\clip", "{abs_outside}/clip", "{abs_inside}/clip", "/etc/talkie-escape", "//etc/x",
           "sub/./../../../escape", "clip/..", ".."]


def _tree(folder: Path, depth: int = 1) -> set[str]:
    out = set()
    if not folder.is_dir():
        return out
    for p in folder.iterdir():
        out.add(str(p))
        if depth > 1 and p.is_dir() and not p.is_symlink():
            out |= _tree(p, depth - 1)
    return out


def _expand(prefix: str, link: str, outside: Path, inside: Path) -> str:
    return prefix.format(link=link, abs_outside=outside, abs_inside=inside)


def _snapshot(out_dir: Path, outside: Path) -> set[str]:
    """What exists next to and above the output folder, and in `outside` (the server's own
    database and logs change on their own and are left out)."""
    entries = _tree(out_dir.parent) | _tree(out_dir.parent.parent) | _tree(outside, 3)
    entries |= {str(p) for p in (*Path("/tmp").glob("talkie-escape*"), *Path("/etc").glob("talkie-escape*"))}
    return {e for e in entries - _tree(out_dir) if not (Path(e).name.startswith("comfyui.db")
                                                          or e.endswith((".log", ".jsonl")))}


def _assert_inside(path: Path, out_dir: Path):
    real, root = os.path.realpath(path), os.path.realpath(out_dir)
    assert os.path.commonpath([real, root]) == root, f"{path} resolves to {real}, outside {root}"


# --- in-process: confined_save_path itself ------------------------------------------------------
@pytest.fixture
def save_av_module(tmp_path):
    if str(COMFY_DIR) not in sys.path:
        sys.path.append(str(COMFY_DIR))
    import folder_paths
    from talkie.nodes import save_av

    old = folder_paths.get_output_directory()
    out = tmp_path / "out"
    out.mkdir()
    folder_paths.set_output_directory(str(out))
    try:
        yield save_av, out
    finally:
        folder_paths.set_output_directory(old)


def test_confined_save_path_refuses_every_escape(save_av_module, tmp_path):
    save_av, out = save_av_module
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, out / "link")
    before = _snapshot(out, outside)
    refused = saved = 0
    for raw in HOSTILE:
        prefix = _expand(raw, "link", outside, out)
        try:
            path, file, subfolder = save_av.confined_save_path(prefix, 64, 64)
        except ValueError as e:
            assert "outside the output folder" in str(e), (prefix, e)
            refused += 1
            continue
        _assert_inside(path, out)
        assert file.endswith(".mp4") and not os.path.isabs(subfolder)
        saved += 1
    assert _snapshot(out, outside) == before, "something was created outside the output folder"
    assert not any(outside.iterdir())
    assert refused >= len(HOSTILE) - 4 and saved >= 1, (refused, saved)
    for bad in ("", "   ", "a\x00b", "x" * 300, None, 5):
        with pytest.raises(ValueError):
            save_av.confined_save_path(bad, 64, 64)


def test_a_symlinked_file_name_is_not_followed(save_av_module, tmp_path):
    """A link in the output folder carrying the name a clip would get is never written through."""
    save_av, out = save_av_module
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.symlink(victim, out / "clip_00001_.mp4")
    path, file, _ = save_av.confined_save_path("clip", 64, 64)
    assert file != "clip_00001_.mp4" and not os.path.islink(path)
    _assert_inside(path, out)
    assert victim.read_text() == "keep me"


def test_comfyui_alone_would_create_a_folder_through_the_link(save_av_module, tmp_path):
    """Why confined_save_path checks first: ComfyUI's get_save_image_path, on its own,
    creates the folder behind a link before (not) noticing it is outside."""
    import folder_paths

    _, out = save_av_module
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, out / "link")
    folder_paths.get_save_image_path("link/sub/clip", str(out), 64, 64)
    assert (outside / "sub").is_dir()


# --- through the server ---------------------------------------------------------------------------
@pytest.mark.server
def test_hostile_prefixes_through_the_server(robust_client, robust_server, tmp_path):
    out = Path(robust_server.output_dir)
    outside = tmp_path / f"outside-{uuid.uuid4().hex[:8]}"
    outside.mkdir()
    link = f"robustness-link-{uuid.uuid4().hex[:8]}"
    os.symlink(outside, out / link)
    inside = out / "robustness-abs"
    before = _snapshot(out, outside)
    results = {}
    try:
        for raw in HOSTILE:
            prefix = _expand(raw, link, outside, inside)
            kind, value = run_raw(robust_client, av_prompt(prefix=prefix))
            message = clear_outcome_message(kind, value)
            results[raw] = kind
            if kind == "failed":
                assert "outside the output folder" in message, (prefix, message)
            elif kind == "ok":
                files = robust_client.output_files(value)
                assert files, prefix
                for f in files:
                    _assert_inside(f, out)
                    assert f.is_file()
            else:
                pytest.fail(f"{prefix!r} was rejected at queue time: {message}")
        assert _snapshot(out, outside) == before, "something was created outside the output folder"
        assert not any(outside.iterdir())
        assert robust_client.system_stats()
    finally:
        os.unlink(out / link)
    assert list(results.values()).count("failed") >= len(HOSTILE) - 4, results
