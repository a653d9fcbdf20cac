#!/usr/bin/env bash
# Creates .venv with CPU-usable torch + torchvision, Talkie's requirements, and the dev/test tools.
# Idempotent: re-running only installs what is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null
# torch 2.14.1 + torchvision 0.29.1: the pair ComfyUI 0.3.75 imports (torchvision is needed at its start-up).
if ! python -c "import torch, torchvision" 2>/dev/null; then
  # The x86_64 pair is a CUDA build: with its nvidia-* wheels it takes ~6 GB in the venv. Say so
  # up front rather than let pip die half-way with "No space left on device".
  need_kb=$((7 * 1024 * 1024))
  free_kb=$(df -Pk .venv | awk 'NR == 2 {print $4}')
  if [ "${free_kb:-0}" -lt "$need_kb" ]; then
    echo "[setup_env] ERROR: torch + torchvision need ~7 GB free beside .venv; $((free_kb / 1024)) MB are free on $(df -P .venv | awk 'NR == 2 {print $6}')." >&2
    echo "[setup_env]        Free some space (old clones, caches) and run this again." >&2
    exit 1
  fi
  t0=$SECONDS
  python -m pip install -q torch==2.14.1 torchvision==0.29.1
  echo "[setup_env] torch + torchvision installed in $((SECONDS - t0)) s"
fi
python -m pip install -q -r requirements.txt
python -m pip install -q pytest requests websocket-client playwright
python -m pip install -q -e . --no-deps
