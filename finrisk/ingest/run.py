"""Move what changed in source.* up to the end of a run date into staging.*.

Each table is moved by one `insert ... select` in `sql/ingest/<table>.sql`, which anti-joins
the source against staging on the table's natural key (so late rows are never lost and a
re-run adds nothing) and stamps `known_at` per docs/CONTRACTS.md. The move and the table's
watermark in `ops.ingest_watermarks` commit together; `ops.ingest_runs` logs each run. A
table that received many rows (a backlog) is analyzed at once: validation and the feature
queries run minutes later, before autovacuum would, and plan on its statistics.
A run date ends at `finrisk.dates.end_of_day(run_date)`, the rule every step shares.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from finrisk.config import Settings
from finrisk.dates import end_of_day, require_run_date
from finrisk.db.engine import get_engine
from finrisk.db.sql import query
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)

# Parents before children, so a run that stops half-way leaves no orphan it could have avoided.
TABLES = ("customers", "credit_outcomes", "transactions", "fraud_labels", "news_articles", "news_labels")
ANALYZE_MIN_ROWS = 10_000  # a load this big changes the table's statistics


@dataclass(frozen=True)
class TableLoad:
    """What one table's move loaded: rows, rows stamped late (or undated), newest on-time event,
    re-delivered rows with changed content (staged for quarantine), and whether it was the backlog."""

    table: str
    rows_loaded: int
    late_rows: int
    high_water: datetime | None
    redelivered_rows: int = 0
    is_backlog: bool = False


@dataclass
class IngestResult:
    """The outcome of one ingest run."""

    run_id: str
    run_date: date
    cutoff_at: datetime
    tables: dict[str, TableLoad] = field(default_factory=dict)

    @property
    def rows(self) -> dict[str, int]:
        """Rows loaded per table in this run."""
        return {name: load.rows_loaded for name, load in self.tables.items()}

    @property
    def total_rows(self) -> int:
        """Rows loaded across all tables in this run."""
        return sum(self.rows.values())


def _move_table(conn: sa.Connection, table: str, run_id: str, run_date: date, cutoff_at: datetime) -> TableLoad:
    conn.execute(query("ingest/lock_table"), {"table_name": table})
    summary = conn.execute(query(f"ingest/{table}"), {"run_date": run_date, "cutoff_at": cutoff_at}).one()
    load = TableLoad(table, int(summary.rows_loaded), int(summary.late_rows), summary.high_water,
                     int(summary.redelivered_rows or 0), bool(summary.is_backlog))
    conn.execute(
        query("ingest/record_watermark"),
        {
            "table_name": table,
            "run_date": run_date,
            "cutoff_at": cutoff_at,
            "high_water": load.high_water,
            "rows_loaded": load.rows_loaded,
            "late_rows": load.late_rows,
            "is_backlog": load.is_backlog,
            "run_id": run_id,
        },
    )
    return load


def run_ingest(settings: Settings, run_date: date) -> IngestResult:
    """Ingest every source table up to the end of `run_date` into staging; returns rows per table."""
    require_run_date(settings, run_date)
    engine = get_engine(settings)
    result = IngestResult(run_id=f"ingest-{run_date.isoformat()}-{uuid.uuid4().hex[:8]}", run_date=run_date,
                          cutoff_at=end_of_day(run_date))
    with engine.begin() as conn:
        conn.execute(query("ingest/start_run"), {"run_id": result.run_id, "run_date": run_date})
    log.info("ingest %s for %s: cutoff %s", result.run_id, run_date, result.cutoff_at.isoformat())
    table = TABLES[0]
    try:
        for table in TABLES:
            with engine.begin() as conn:
                load = _move_table(conn, table, result.run_id, run_date, result.cutoff_at)
            result.tables[table] = load
            if load.rows_loaded >= ANALYZE_MIN_ROWS:
                _analyze(engine, table)
            log.info("ingest %s: staging.%s +%d rows (%d late or undated%s)", result.run_id, table,
                     load.rows_loaded, load.late_rows, ", the backlog" if load.is_backlog else "")
            if load.redelivered_rows:
                log.warning("ingest %s: staging.%s: %d re-delivered row(s) with a known key and changed content "
                            "staged for validation to quarantine (the first version stays)", result.run_id, table,
                            load.redelivered_rows)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _finish(engine, result, "failed", f"staging.{table}: {reason}")
        raise FinriskError(f"ingest of staging.{table} for {run_date} failed: {reason}") from None
    _finish(engine, result, "succeeded", None)
    return result


def _analyze(engine: sa.Engine, table: str) -> None:
    from psycopg2 import sql as psql

    with engine.begin() as conn:  # `table` is one of TABLES, composed as an identifier
        dbapi = conn.connection.dbapi_connection
        with dbapi.cursor() as cur:
            cur.execute(psql.SQL("analyze {}.{}").format(psql.Identifier("staging"), psql.Identifier(table)))


def _finish(engine: sa.Engine, result: IngestResult, status: str, error: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            query("ingest/finish_run"),
            {"run_id": result.run_id, "status": status, "rows_loaded": json.dumps(result.rows), "error": error},
        )
