#!/usr/bin/env bash
# Build the project-local virtual environment in .venv: torch first (pinned CPU wheel
# unless TORCH_SPEC overrides it on a GPU machine), then finrisk and its dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! python -c "import torch" 2>/dev/null; then
  echo "installing $TORCH_SPEC" >&2
  pip install -q "$TORCH_SPEC" 2> >(grep -v "^WARNING: Location" >&2)
fi
echo "installing finrisk and dependencies into .venv" >&2
pip install -q -e ".[dev]" 2> >(grep -v "^WARNING: Location" >&2)
pip check >&2
# Bootstrap, bootstrap-table, Font Awesome, ... for offline Data Docs, pinned, from the npm registry.
python -m finrisk.quality.docs_assets install
