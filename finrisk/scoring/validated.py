"""Nothing is scored unvalidated: the date needs a passed validation run before `score` runs.

A validation run passes when it recorded every staging table and none failed at batch level
(quarantined rows do not fail it). The latest validation run of the date decides. Scoring reads
only rows a passed run covered (the clean views), and refuses while any batch ingested up to the
date holds rows no passed run has seen: an earlier date whose validation was killed or failed, or
rows ingested after the date's validation. In an
emergency `skip_validation_check=True` (`finrisk score --skip-validation-check`) scores anyway,
and ops.scoring_runs records that the check was skipped.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.engine import Engine

from finrisk.db.sql import query
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)


def passed_validation(engine: Engine, score_date: date) -> str:
    """The run id of the date's passed validation run, or a one-line FinriskError saying what to do."""
    from finrisk.ingest import TABLES

    with engine.connect() as conn:
        latest = conn.execute(query("scoring/validation_status"), {"run_date": score_date}).one_or_none()
    skip = "(or score with --skip-validation-check in an emergency)"
    if latest is None:
        raise FinriskError(
            f"{score_date} has no validation run: run finrisk validate --date {score_date} before scoring {skip}"
        )
    if latest.batch_failures:
        raise FinriskError(
            f"validation {latest.run_id} of {score_date} failed at batch level "
            f"({latest.first_failure}): fix the batch and validate again {skip}"
        )
    if latest.tables < len(TABLES):
        raise FinriskError(
            f"validation {latest.run_id} of {score_date} did not finish ({latest.tables} of "
            f"{len(TABLES)} tables): run finrisk validate --date {score_date} again {skip}"
        )
    _refuse_unvalidated_batches(engine, score_date, skip)
    return latest.run_id


def _refuse_unvalidated_batches(engine: Engine, score_date: date, skip: str) -> None:
    """A one-line FinriskError naming the first batch up to `score_date` with rows no passed validation has seen."""
    with engine.connect() as conn:
        pending = conn.execute(query("scoring/unvalidated_batches"), {"run_date": score_date}).all()
    if not pending:
        return
    first = pending[0]
    n = int(first.unvalidated_rows)
    more = (
        f" (and {len(pending) - 1} more unvalidated batch{'es' if len(pending) > 2 else ''})"
        if len(pending) > 1
        else ""
    )
    raise FinriskError(
        f"{first.table_name} has {n} row{'s' if n != 1 else ''} ingested for {first.ingest_date} that no "
        f"validation has passed{more}: run finrisk validate --date {first.ingest_date} before scoring "
        f"{score_date} {skip}"
    )
