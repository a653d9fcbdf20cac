#!/usr/bin/env bash
# Runs the whole test suite (the README's test command): bash scripts/test.sh
# With arguments they replace the default `tests` target: bash scripts/test.sh tests/unit -k media
# Needs `bash scripts/setup.sh` first. Exits non-zero when a test fails or when no test ran.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ ! -f .venv/bin/activate ]; then
  echo "[test] .venv is missing: run 'bash scripts/setup.sh' first" >&2
  exit 1
fi
. .venv/bin/activate
mkdir -p test-artifacts
if [ "$#" -gt 0 ]; then
  python -m pytest -q "$@"
else
  python -m pytest -q tests
fi
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "[test] FAILED: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
