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
  t0=$SECONDS
  python -m pip install -q torch==2.14.1 torchvision==0.29.1
  echo "[setup_env] torch + torchvision installed in $((SECONDS - t0)) s"
fi
python -m pip install -q -r requirements.txt
python -m pip install -q pytest requests websocket-client playwright
python -m pip install -q -e . --no-deps
