#!/usr/bin/env bash
# Quick start 1: install, then run the nightly job end to end on the embedded PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
. .venv/bin/activate
exec finrisk nightly "$@"
