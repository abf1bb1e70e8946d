"""The read-only analyst role cannot stall ingest or migrations; a real wait ends in one line naming the holder.

Before, ingest took `pg_advisory_xact_lock(hashtext('finrisk.ingest.<table>'))` and `db upgrade`
`pg_advisory_xact_lock(73011)`, with no timeout: any role can take an advisory lock, so an analyst
holding one made `finrisk ingest` and `finrisk db upgrade` (and so the nightly) hang with no word.
Now ingest locks rows of `ops.ingest_locks` and upgrades lock `ops.schema_migrations`, neither of
which the analyst can touch, each with a bounded wait.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest
import sqlalchemy as sa
from source_rows import good_day

from finrisk.db.migrate import upgrade
from finrisk.errors import FinriskError
from finrisk.ingest import TABLES, run_ingest

D = date(2025, 3, 3)


def _cli(*args: str, url: str, timeout: float = 60) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            [sys.executable, "-m", "finrisk.cli", *args],
            capture_output=True,
            text=True,
            env={**os.environ, "FINRISK_DATABASE_URL": url},
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"finrisk {' '.join(args)} still waiting after {timeout:g}s")


def _runs(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text("select run_id, status, error from ops.ingest_runs order by started_at")).all()


def test_an_analyst_holding_advisory_locks_stalls_neither_ingest_nor_upgrade(db_url, engine):
    good_day(engine, D, n=3)
    with engine.connect() as analyst:
        analyst.exec_driver_sql("set role finrisk_analyst")
        for key in [*(f"hashtext('finrisk.ingest.{t}')" for t in TABLES), "73011"]:
            analyst.execute(sa.text(f"select pg_advisory_lock({key})"))
        analyst.commit()  # session locks outlive the transaction, as in an analyst's psql
        try:
            upgraded = _cli("db", "upgrade", url=db_url)
            assert upgraded.returncode == 0, upgraded.stderr[-2000:]
            ingested = _cli("ingest", "--date", D.isoformat(), url=db_url)
            assert ingested.returncode == 0, ingested.stderr[-2000:]
            assert [r.status for r in _runs(engine)] == ["succeeded"]
        finally:
            analyst.execute(sa.text("select pg_advisory_unlock_all()"))
            analyst.exec_driver_sql("reset role")
            analyst.commit()


def test_analyst_cannot_read_or_lock_the_ingest_lock_rows(engine):
    with engine.connect() as analyst:
        analyst.exec_driver_sql("set role finrisk_analyst")
        analyst.commit()  # a rolled-back transaction would undo the SET ROLE
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            analyst.execute(sa.text("select * from ops.ingest_locks for update")).all()
        analyst.rollback()
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            analyst.execute(sa.text("lock table ops.schema_migrations in share row exclusive mode"))
        analyst.rollback()
        analyst.exec_driver_sql("reset role")


def test_an_ingest_waiting_for_a_running_one_is_refused_in_one_line_naming_it(settings, engine):
    good_day(engine, D, n=3)
    with engine.connect() as other:  # a run of another process, in the middle of moving transactions
        me = other.execute(
            sa.text("select pg_backend_pid() as pid, backend_start from pg_stat_activity where pid = pg_backend_pid()")
        ).one()
        other.execute(
            sa.text(
                "insert into ops.ingest_runs (run_id, run_date, status, backend_pid, backend_started_at) "
                "values ('ingest-other', :d, 'running', :pid, :started)"
            ),
            {"d": D, "pid": me.pid, "started": me.backend_start},
        )
        other.commit()
        other.execute(sa.text("select * from ops.ingest_locks where table_name = 'transactions' for update")).all()
        with pytest.raises(FinriskError) as refused:
            run_ingest(settings, D, lock_wait_s=0.5)
        message = str(refused.value)
        assert "\n" not in message and "staging.transactions" in message
        assert "ingest-other" in message and f"backend pid {me.pid}" in message and "waited 0.5s" in message
        other.rollback()
    runs = {r.run_id: r for r in _runs(engine)}
    failed = [r for r in runs.values() if r.run_id != "ingest-other"]
    assert len(failed) == 1 and failed[0].status == "failed" and "ingest-other" in failed[0].error
    assert runs["ingest-other"].status == "running"  # alive: never abandoned
    with engine.connect() as conn:  # the tables before it committed; the rest arrive with the retry
        assert conn.execute(sa.text("select count(*) from staging.customers")).scalar() == 3
        assert conn.execute(sa.text("select count(*) from staging.transactions")).scalar() == 0
    assert run_ingest(settings, D, lock_wait_s=0.5).rows["transactions"] == 3


def test_an_ingest_lock_held_by_any_other_session_is_named(settings, engine):
    with engine.connect() as other:
        other.exec_driver_sql("set application_name = 'someone-else'")
        other.execute(sa.text("select * from ops.ingest_locks where table_name = 'customers' for update")).all()
        pid = other.execute(sa.text("select pg_backend_pid()")).scalar()
        with pytest.raises(
            FinriskError,
            match=rf"staging.customers .*backend pid {pid} \(role postgres, "
            r"application someone-else\); waited 0.2s",
        ):
            run_ingest(settings, D, lock_wait_s=0.2)
        other.rollback()


def test_an_upgrade_waiting_for_another_is_refused_in_one_line_naming_it(engine):
    with engine.connect() as other:
        other.exec_driver_sql("set application_name = 'other-upgrade'")
        other.exec_driver_sql("lock table ops.schema_migrations in share row exclusive mode")
        pid = other.execute(sa.text("select pg_backend_pid()")).scalar()
        with pytest.raises(FinriskError) as refused:
            upgrade(engine, lock_wait_s=0.5)
        message = str(refused.value)
        assert "\n" not in message and "migrations are locked" in message, message
        assert f"backend pid {pid} (role postgres, application other-upgrade" in message and "waited 0.5s" in message
        other.rollback()
    assert upgrade(engine, lock_wait_s=0.5) == []


def test_analyst_cannot_create_temporary_tables(empty_db_url):
    engine = sa.create_engine(empty_db_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            assert (
                conn.execute(
                    sa.text("select has_database_privilege('finrisk_analyst', current_database(), 'temporary')")
                ).scalar()
                is False
            )
            conn.exec_driver_sql("set role finrisk_analyst")
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied to create temporary tables"):
                conn.exec_driver_sql("create temporary table scratch (n int)")
            conn.rollback()
            conn.exec_driver_sql("reset role")
        assert upgrade(engine) == []
    finally:
        engine.dispose()
