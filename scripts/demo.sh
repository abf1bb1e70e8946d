#!/usr/bin/env bash
# Quick start 1: install, then run the nightly job end to end on the embedded PostgreSQL.
#
# The demo environment's values (override any of them in the environment):
# - a CPU fine-tune of a few minutes gives a weak credit model whose PDs crowd into one or
#   two bands; the band-share audit flags that in risk.score_monitoring instead of refusing
#   to publish (production keeps the default, block);
# - occlusion reason codes re-score a customer once per field, so on CPU they are computed
#   for bands D and E only (the default is C and worse).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
. .venv/bin/activate
export FINRISK_SCORING__AUDIT_BAND_ACTION=${FINRISK_SCORING__AUDIT_BAND_ACTION:-flag}
export FINRISK_SCORING__REASON_MIN_BAND=${FINRISK_SCORING__REASON_MIN_BAND:-D}
exec finrisk nightly "$@"
