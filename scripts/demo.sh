#!/usr/bin/env bash
# Quick start: install, then run the platform through Airflow on the embedded PostgreSQL.
#
# finrisk_train, then finrisk_nightly for the last three dates in order, executed by Airflow
# (`airflow dags test`) with a project-local AIRFLOW_HOME under the data folder; afterwards
# `finrisk ui` shows the runs. Library output goes to data/logs/quickstart.log.
# Every setting keeps its default (reason codes for band C and worse included).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "installing into .venv (first time: a few minutes) ..." >&2
mkdir -p "${FINRISK_DATA_DIR:-data}/logs"
if ! bash scripts/install.sh >>"${FINRISK_DATA_DIR:-data}/logs/install.log" 2>&1; then
  echo "error: install failed (details: ${FINRISK_DATA_DIR:-data}/logs/install.log)" >&2
  exit 1
fi
. .venv/bin/activate
export TOKENIZERS_PARALLELISM=${TOKENIZERS_PARALLELISM:-false}
exec python -m finrisk.quickstart "$@"
