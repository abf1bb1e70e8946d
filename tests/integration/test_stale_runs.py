"""A killed ingest or validation run does not stay `running`: the next run marks it `abandoned`.

Each run records the backend of a connection it holds for its whole life; SIGKILL of the process
ends that backend, and the next run of the kind marks the row `abandoned` with the time and the
reason, then does its work (a re-run completes what the killed one left).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from source_rows import article, at, good_day, insert

from finrisk.errors import FinriskError
from finrisk.ingest import TABLES, run_ingest
from finrisk.quality import run_validation

D = date(2025, 3, 3)


def _killed(settings, body: str) -> subprocess.CompletedProcess:
    """Run `body` in a child process with `settings` and `day`, expecting it to SIGKILL itself."""
    script = textwrap.dedent("""
        import os, signal
        from datetime import date, timedelta
        from finrisk.config import Settings
        settings = Settings(database_url=os.environ["URL"], data_dir=os.environ["DATA"])
        day = date.fromisoformat(os.environ["DAY"])
        kill = lambda: os.kill(os.getpid(), signal.SIGKILL)
    """) + textwrap.dedent(body)
    env = {**os.environ, "URL": settings.database_url, "DATA": str(settings.data_path), "DAY": D.isoformat()}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)


def _rows(engine, sql: str) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).all()


def _wait_gone(engine, pid: int) -> None:
    """PostgreSQL ends a killed client's backend once it sees the socket closed (a moment)."""
    for _ in range(100):
        if not _rows(engine, f"select 1 from pg_stat_activity where pid = {int(pid)}"):
            return
        time.sleep(0.1)
    raise AssertionError(f"backend {pid} of the killed run is still connected")


def test_a_killed_ingest_is_abandoned_by_the_next_run(settings, engine):
    good_day(engine, D, n=4)
    killed = _killed(
        settings,
        """
        from finrisk.ingest import run
        move = run._move_table
        def move_then_die(conn, table, *args):
            load = move(conn, table, *args)
            if table == "transactions":  # moved, not committed
                kill()
            return load
        run._move_table = move_then_die
        run.run_ingest(settings, day)
    """,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    [stale] = _rows(engine, "select * from ops.ingest_runs")
    assert stale.status == "running" and stale.backend_pid
    _wait_gone(engine, stale.backend_pid)
    assert _rows(engine, "select count(*) from staging.transactions")[0][0] == 0  # rolled back with the backend

    retry = run_ingest(settings, D)
    assert retry.abandoned == [stale.run_id]
    assert retry.rows["customers"] == 0 and retry.rows["transactions"] == 4  # committed tables stay, the rest move
    runs = {r.run_id: r for r in _rows(engine, "select * from ops.ingest_runs")}
    old = runs[stale.run_id]
    assert old.status == "abandoned" and old.abandoned_at is not None and old.finished_at is not None
    assert f"pid {stale.backend_pid}" in old.abandoned_reason and "process is gone" in old.abandoned_reason
    assert retry.run_id in old.abandoned_reason
    assert runs[retry.run_id].status == "succeeded"
    counts = {t: _rows(engine, f"select count(*) from staging.{t}")[0][0] for t in TABLES}
    assert counts == {
        "customers": 4,
        "credit_outcomes": 1,
        "transactions": 4,
        "fraud_labels": 1,
        "news_articles": 1,
        "news_labels": 1,
    }
    assert run_ingest(settings, D).abandoned == []  # a finished run is never abandoned


def test_a_killed_validation_is_abandoned_by_the_next_run(settings, engine):
    good_day(engine, D, n=4)
    run_ingest(settings, D)
    killed = _killed(
        settings,
        """
        from finrisk.quality import run
        record = run._quarantine_and_record
        def record_then_die(conn, report, *args):
            record(conn, report, *args)
            if report.table == "transactions":
                kill()
        run._quarantine_and_record = record_then_die
        run.run_validation(settings, day)
    """,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    [stale] = _rows(engine, "select * from quality.runs")
    assert stale.status == "running" and stale.backend_pid and stale.finished_at is None
    _wait_gone(engine, stale.backend_pid)

    report = run_validation(settings, D)
    runs = {r.run_id: r for r in _rows(engine, "select * from quality.runs")}
    old = runs[stale.run_id]
    assert old.status == "abandoned" and old.abandoned_at is not None and old.finished_at is not None
    assert "process is gone" in old.abandoned_reason and report.run_id in old.abandoned_reason
    assert runs[report.run_id].status == "succeeded" and runs[report.run_id].finished_at is not None


def test_a_validation_stopped_by_a_batch_failure_is_recorded_failed_with_its_reason(settings, engine):
    later = D + timedelta(days=2)
    for day in (D, D + timedelta(days=1)):  # the backlog, then a normal day
        good_day(engine, day)
        run_ingest(settings, day)
    insert(engine, "news_articles", article("a-only", at(later)))  # no customers, no transactions
    run_ingest(settings, later)
    with pytest.raises(FinriskError) as stopped:
        run_validation(settings, later)
    reason = str(stopped.value)
    [row] = _rows(engine, "select status, error, finished_at from quality.runs where run_date = '2025-03-05'")
    assert row.status == "failed" and row.error == reason and row.finished_at is not None
