#!/usr/bin/env bash
# The one set-up entry point for developers and CI:
#   1. scripts/setup_env.sh      .venv with torch + torchvision, Talkie's requirements, test tools
#   2. scripts/setup_comfyui.sh  ComfyUI 0.3.75 in .comfyui/ComfyUI, its requirements, the pack linked in
#   3. Debian's chromium for the browser tests, when missing (installed only when running as root)
# Idempotent: a re-run on a set-up checkout takes seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() {
  local name=$1; shift
  local t0=$SECONDS
  echo "[setup] $name ..."
  "$@"
  echo "[setup] $name done in $((SECONDS - t0)) s"
}

install_chromium() {
  if command -v chromium >/dev/null 2>&1; then
    echo "[setup] chromium already installed: $(command -v chromium)"
    return 0
  fi
  if [ "$(id -u)" != "0" ]; then
    echo "[setup] WARNING: chromium is missing and this is not root: the browser tests will be skipped." >&2
    echo "[setup]          Install it with: sudo apt-get install -y chromium" >&2
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    echo "[setup] chromium installed: $(command -v chromium)"
  else
    echo "[setup] WARNING: 'apt-get install chromium' failed: the browser tests will be skipped." >&2
  fi
  return 0
}

t_all=$SECONDS
step "python environment (scripts/setup_env.sh)" bash scripts/setup_env.sh
step "ComfyUI (scripts/setup_comfyui.sh)" bash scripts/setup_comfyui.sh
step "chromium" install_chromium
echo "[setup] all done in $((SECONDS - t_all)) s"
