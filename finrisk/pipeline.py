"""The nightly job as one plain function: the steps in order, each a library call.

`run_nightly(settings, run_date)` is what `finrisk nightly` and the quick start run on the
embedded default: migrations, demo data when the source is empty, incremental ingest and
validation. Each step is idempotent for the run date, so the whole night can be re-run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from finrisk.config import Settings
from finrisk.db.engine import describe, get_engine, warehouse_url
from finrisk.db.migrate import upgrade
from finrisk.db.sql import query

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoOptions:
    """How much demo data to generate when the source tables are empty."""

    customers: int = 3000
    days: int = 90
    seed: int = 42


@dataclass
class NightlyResult:
    """What one night produced, as one line per step plus where to look."""

    run_date: date
    lines: list[str] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)


def source_is_empty(settings: Settings) -> bool:
    """True when upstream has written no customers yet."""
    with get_engine(settings).connect() as conn:
        return conn.execute(query("pipeline/source_customer_count")).scalar() == 0


def run_nightly(
    settings: Settings,
    run_date: date,
    demo: DemoOptions | None = DemoOptions(),
    echo: Callable[[str], None] = log.info,
) -> NightlyResult:
    """Run the night for `run_date`; `demo=None` never generates data."""
    from finrisk.ingest import run_ingest
    from finrisk.quality import run_validation

    result = NightlyResult(run_date)

    def step(line: str) -> None:
        result.lines.append(line)
        echo(line)

    applied = upgrade(get_engine(settings))
    step(f"db upgrade: {len(applied)} migration(s) applied")

    if demo is not None and source_is_empty(settings):
        from finrisk.demo import generate

        summary = generate(settings, demo.customers, demo.days, demo.seed, end_date=run_date)
        step(summary.line())

    ingest = run_ingest(settings, run_date)
    step(f"ingest {run_date}: {ingest.total_rows} rows into staging.*")

    report = run_validation(settings, run_date)
    failed = sum(len(t.failed_expectations) for t in report.tables.values())
    step(f"validate {run_date}: {failed} failed expectations, {report.quarantined_rows} rows quarantined")

    result.where.update(
        warehouse=describe(warehouse_url(settings)),
        data_docs=str(report.index_html),
        quarantine="select * from quality.quarantine",
    )
    return result
