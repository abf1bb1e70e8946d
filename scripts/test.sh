#!/usr/bin/env bash
# Quick start 2: install, then run the whole test suite against PostgreSQL on 127.0.0.1:5432.
# The browser tests need Debian's chromium and chromium-driver; they are installed here when
# missing (as root, or through sudo) so a fresh machine and CI need nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/install-browser.sh
. .venv/bin/activate
exec python -m pytest -q -p no:cacheprovider --durations=20 "$@"
