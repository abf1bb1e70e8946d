#!/usr/bin/env bash
# Quick start 2: install, then run the whole test suite against PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
. .venv/bin/activate
exec python -m pytest -q -p no:cacheprovider "$@"
