"""Move what changed in source.* up to the end of a run date into staging.*.

Each table is moved by one `insert ... select` in `sql/ingest/<table>.sql`, which anti-joins
the source against staging on the table's natural key (so late rows are never lost and a
re-run adds nothing) and stamps `known_at` per docs/CONTRACTS.md. The move and the table's
watermark in `ops.ingest_watermarks` commit together, under the table's row lock in
`ops.ingest_locks` (waited for at most `LOCK_WAIT_S`, then one line naming the holder; the analyst
role cannot read ops, so cannot take it). `ops.ingest_runs` logs each run with the backend of the
run's own connection, so the next run marks a killed run `abandoned` (`finrisk.db.runs`). A
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
from finrisk.db.runs import RunRecord
from finrisk.db.sql import query
from finrisk.errors import FinriskError, redact

log = logging.getLogger(__name__)

# Parents before children, so a run that stops half-way leaves no orphan it could have avoided.
TABLES = ("customers", "credit_outcomes", "transactions", "fraud_labels", "news_articles", "news_labels")
ANALYZE_MIN_ROWS = 10_000  # a load this big changes the table's statistics
LOCK_WAIT_S = 10.0  # how long a table's move waits for its lock (another ingest) before refusing
_LOCK_NOT_AVAILABLE = "55P03"


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
    abandoned: list[str] = field(default_factory=list)  # dead runs (backend gone) this run marked abandoned

    @property
    def rows(self) -> dict[str, int]:
        """Rows loaded per table in this run."""
        return {name: load.rows_loaded for name, load in self.tables.items()}

    @property
    def total_rows(self) -> int:
        """Rows loaded across all tables in this run."""
        return sum(self.rows.values())


def _move_table(conn: sa.Connection, table: str, run_id: str, run_date: date, cutoff_at: datetime) -> TableLoad:
    """Move one table and record its watermark, in the caller's transaction (which holds the table's lock)."""
    summary = conn.execute(query(f"ingest/{table}"), {"run_date": run_date, "cutoff_at": cutoff_at}).one()
    load = TableLoad(
        table,
        int(summary.rows_loaded),
        int(summary.late_rows),
        summary.high_water,
        int(summary.redelivered_rows or 0),
        bool(summary.is_backlog),
    )
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


def run_ingest(settings: Settings, run_date: date, lock_wait_s: float = LOCK_WAIT_S) -> IngestResult:
    """Ingest every source table up to the end of `run_date` into staging; returns rows per table.

    Each table's lock is waited for at most `lock_wait_s`; then the run fails in one line naming the holder.
    """
    require_run_date(settings, run_date)
    engine = get_engine(settings)
    result = IngestResult(
        run_id=f"ingest-{run_date.isoformat()}-{uuid.uuid4().hex[:8]}",
        run_date=run_date,
        cutoff_at=end_of_day(run_date),
    )
    with RunRecord(engine, "ingest", result.run_id, run_date, rows_loaded="{}") as run:
        result.abandoned = run.abandoned
        conn = run.conn
        conn.execute(query("ingest/ensure_lock_rows"), {"tables": list(TABLES)})
        conn.commit()
        log.info("ingest %s for %s: cutoff %s", result.run_id, run_date, result.cutoff_at.isoformat())
        table = TABLES[0]
        try:
            for table in TABLES:
                with conn.begin():
                    _lock_table(conn, table, lock_wait_s)
                    load = _move_table(conn, table, result.run_id, run_date, result.cutoff_at)
                result.tables[table] = load
                run.details["rows_loaded"] = json.dumps(result.rows)
                if load.rows_loaded >= ANALYZE_MIN_ROWS:
                    _analyze(engine, table)
                log.info(
                    "ingest %s: staging.%s +%d rows (%d late or undated%s)",
                    result.run_id,
                    table,
                    load.rows_loaded,
                    load.late_rows,
                    ", the backlog" if load.is_backlog else "",
                )
                if load.redelivered_rows:
                    log.warning(
                        "ingest %s: staging.%s: %d re-delivered row(s) with a known key and changed content "
                        "staged for validation to quarantine (the first version stays)",
                        result.run_id,
                        table,
                        load.redelivered_rows,
                    )
        except _LockTimeout:
            reason = _lock_refusal(conn, table, lock_wait_s)
            run.finish("failed", f"staging.{table}: {reason}")
            raise FinriskError(f"ingest of staging.{table} for {run_date} refused: {reason}") from None
        except sa.exc.SQLAlchemyError as exc:
            reason = redact(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0])
            run.finish("failed", f"staging.{table}: {reason}")
            raise FinriskError(f"ingest of staging.{table} for {run_date} failed: {reason}") from None
    return result


class _LockTimeout(Exception):
    """A table's ingest lock was not granted within the wait."""


def _lock_table(conn: sa.Connection, table: str, wait_s: float) -> None:
    """Lock the table's row in ops.ingest_locks for this transaction, waiting at most `wait_s`."""
    conn.execute(query("scoring/lock_timeout"), {"timeout": f"{max(1, int(wait_s * 1000))}ms"})
    try:
        with conn.begin_nested():
            conn.execute(query("ingest/lock_table"), {"table_name": table}).all()
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "pgcode", None) == _LOCK_NOT_AVAILABLE:
            raise _LockTimeout(table) from None
        raise


def _lock_refusal(conn: sa.Connection, table: str, wait_s: float) -> str:
    """Why the table's lock was refused, naming who holds it (one line)."""
    conn.rollback()
    holders = conn.execute(query("ingest/lock_holders")).all()
    conn.rollback()
    if not holders:
        return f"its ingest lock was held by another session (waited {wait_s:g}s); try again when it has finished"
    h = holders[0]
    who = (
        f"ingest run {h.run_id} (started {h.started_at:%Y-%m-%d %H:%M:%S %Z}, backend pid {h.backend_pid})"
        if h.run_id
        else f"backend pid {h.backend_pid} (role {h.role_name}, application {h.application_name or 'unnamed'})"
    )
    return f"its ingest lock is held by {who}; waited {wait_s:g}s: let it finish (or end that session) and run again"


def _analyze(engine: sa.Engine, table: str) -> None:
    from psycopg2 import sql as psql

    with engine.begin() as conn:  # `table` is one of TABLES, composed as an identifier
        dbapi = conn.connection.dbapi_connection
        with dbapi.cursor() as cur:
            cur.execute(psql.SQL("analyze {}.{}").format(psql.Identifier("staging"), psql.Identifier(table)))
