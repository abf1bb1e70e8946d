#!/usr/bin/env bash
# Build the project-local virtual environment in .venv: torch first (pinned CPU wheel, the version of
# requirements/torch.txt, unless TORCH_SPEC overrides it on a GPU machine), then the lock, then finrisk.
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
# Everything else at the locked versions, hash-checked (requirements/lock.txt: the dependencies with
# the dev and deploy extras; regenerate it as docs/platform.md says), then finrisk itself, editable.
echo "installing the locked dependencies (requirements/lock.txt) and finrisk into .venv" >&2
pip install -q --no-deps --require-hashes -r requirements/lock.txt 2> >(grep -v "^WARNING: Location" >&2)
pip install -q --no-deps -e . 2> >(grep -v "^WARNING: Location" >&2)
pip check >&2
# Bootstrap, bootstrap-table, Font Awesome, ... for offline Data Docs, pinned, from the npm registry.
python -m finrisk.quality.docs_assets install
