#!/usr/bin/env bash
# Fresh machine -> a clip with sound from the default workflow, through a real ComfyUI.
# Sets up .venv (CPU torch), ComfyUI 0.3.75 and the pack, then runs workflows/text_to_av.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
. "$root/.venv/bin/activate"
cd "$root"
exec python scripts/run_default_workflow.py "$@"
