"""Run rows that can be found dead: ingest and validation runs never stay `running` forever.

A run holds a connection of its own for its whole life and records that connection's backend
(pid and backend start together: pids are reused) in its row. When the process is killed,
PostgreSQL ends the backend as soon as it sees the client gone, so a row still `running` whose
backend is no longer in pg_stat_activity will never finish. The next run of the same kind marks
such rows `abandoned`, with `abandoned_at` and `abandoned_reason` (`sql/<kind>/abandon_stale_runs.sql`),
as scoring runs are since migration 040. A kind's SQL lives under `sql/<kind>/`: `start_run`,
`finish_run` and `abandon_stale_runs`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from finrisk.db.sql import query
from finrisk.errors import redact

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backend:
    """A PostgreSQL backend: pid and start time identify it."""

    pid: int
    started_at: datetime


def backend_of(conn: sa.Connection) -> Backend:
    """The backend serving `conn`."""
    row = conn.execute(query("scoring/backend_identity")).one()
    return Backend(int(row.backend_pid), row.backend_started_at)


def abandon_stale(conn: sa.Connection, kind: str, run_id: str) -> list[str]:
    """Mark `kind`'s runs whose backend is gone `abandoned` (found by `run_id`); returns their run ids."""
    rows = conn.execute(query(f"{kind}/abandon_stale_runs"), {"run_id": run_id}).all()
    for row in rows:
        log.warning(
            "run %s: %s run %s (started %s) abandoned: %s",
            run_id,
            kind,
            row.run_id,
            f"{row.started_at:%Y-%m-%d %H:%M:%S %Z}",
            row.abandoned_reason,
        )
    return [row.run_id for row in rows]


def one_line(exc: BaseException) -> str:
    """The first line of an error, redacted and at most 500 characters (what a run row keeps)."""
    lines = str(exc).strip().splitlines()
    return redact(lines[0] if lines else type(exc).__name__)[:500]


class RunRecord:
    """A run's row, `running` while the run's own connection (`conn`) lives; closed on the way out.

    Entering abandons the kind's dead runs and opens the row; leaving finishes it `succeeded`, or
    `failed` with the exception's one line, unless `finish` was called already. `details` are
    further parameters of the kind's `finish_run` (ingest: rows_loaded).
    """

    def __init__(self, engine: sa.Engine, kind: str, run_id: str, run_date: date, **details) -> None:
        self.engine, self.kind, self.run_id, self.run_date = engine, kind, run_id, run_date
        self.details = details
        self.abandoned: list[str] = []
        self.status: str | None = None
        self.conn: sa.Connection | None = None
        self.backend: Backend | None = None

    def __enter__(self) -> RunRecord:
        self.conn = self.engine.connect()
        try:
            self.backend = backend_of(self.conn)
            self.abandoned = abandon_stale(self.conn, self.kind, self.run_id)
            self.conn.execute(
                query(f"{self.kind}/start_run"),
                {
                    "run_id": self.run_id,
                    "run_date": self.run_date,
                    "backend_pid": self.backend.pid,
                    "backend_started_at": self.backend.started_at,
                },
            )
            self.conn.commit()
        except BaseException:
            self.conn.close()
            raise
        return self

    def finish(self, status: str, error: str | None = None) -> None:
        """Close the row once (on a connection of its own: the run's may be the one that broke)."""
        if self.status is not None:
            return
        with self.engine.begin() as conn:
            conn.execute(
                query(f"{self.kind}/finish_run"),
                {**self.details, "run_id": self.run_id, "status": status, "error": error},
            )
        self.status = status

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc is None:
                self.finish("succeeded")
            else:
                self.finish("failed", one_line(exc))
        finally:
            try:
                self.conn.close()
            except Exception as close_error:  # a dead connection has nothing left to release
                log.warning("run %s: its connection closed with an error: %s", self.run_id, one_line(close_error))
