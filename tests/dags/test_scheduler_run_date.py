"""The run date of a scheduled run is the day that ended (issue 21).

`run_date` on task contexts for every kind of run, and a real `airflow scheduler` (LocalExecutor)
with a dag-processor and an api-server: unpausing `finrisk_nightly` makes the scheduler queue the
run of the latest completed interval (catchup off), and that run ingests the day before the
01:30 tick, yesterday UTC once 01:30 has passed, as recorded in ops.ingest_runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

DAGS = Path(__file__).resolve().parents[2] / "dags"
sys.path.insert(0, str(DAGS))

import finrisk_defaults as defaults  # noqa: E402


def _context(logical: datetime | None, run_after: datetime) -> dict:
    return {"logical_date": logical, "dag_run": SimpleNamespace(run_after=run_after, logical_date=logical)}


D = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("kind", "logical", "run_after", "expected"),
    [
        # the nightly's data interval D-1 01:30 -> D 01:30, queued at D 01:30
        (
            "scheduled nightly",
            datetime(2026, 12, 6, 1, 30, tzinfo=UTC),
            datetime(2026, 12, 7, 1, 30, tzinfo=UTC),
            D - timedelta(days=1),
        ),
        # the weekly train tick Sunday 03:00 with its one-day interval
        (
            "scheduled train",
            datetime(2026, 12, 5, 3, tzinfo=UTC),
            datetime(2026, 12, 6, 3, tzinfo=UTC),
            date(2026, 12, 5),
        ),
        ("dags test / backfill of D", datetime(2026, 12, 7, tzinfo=UTC), datetime(2026, 12, 7, 13, 5, tzinfo=UTC), D),
        ("backfill of D, 01:30", datetime(2026, 12, 7, 1, 30, tzinfo=UTC), datetime(2026, 12, 8, 1, 30, tzinfo=UTC), D),
        ("asset-triggered / manual without a date", None, datetime(2026, 12, 7, 9, tzinfo=UTC), D - timedelta(days=1)),
        ("no date, just after midnight", None, datetime(2026, 12, 7, 0, 5, tzinfo=UTC), D - timedelta(days=1)),
        ("naive moments are UTC", None, datetime(2026, 12, 7, 9), D - timedelta(days=1)),
    ],
)
def test_run_date_rule(kind, logical, run_after, expected):
    assert defaults.run_date(_context(logical, run_after)) == expected, kind


def test_run_date_reads_the_utc_day_of_an_aware_logical_date():
    from zoneinfo import ZoneInfo

    # 2026-12-07 00:30 in New York is 05:30 UTC the same day; 23:30 there is the next day UTC
    ny = ZoneInfo("America/New_York")
    assert defaults.run_date(_context(datetime(2026, 12, 6, 23, 30, tzinfo=ny), datetime.now(UTC))) == D


def test_nightly_and_train_timetables_put_the_day_that_ended_in_the_logical_date():
    from airflow.dag_processing.dagbag import BundleDagBag
    from airflow.serialization.decoders import decode_timetable
    from airflow.serialization.encoders import encode_timetable
    from airflow.timetables.base import DataInterval, TimeRestriction

    bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")
    nightly = decode_timetable(encode_timetable(bag.dags["finrisk_nightly"].timetable))
    tick = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
    previous = DataInterval(tick - timedelta(days=2), tick - timedelta(days=1))
    info = nightly.next_dagrun_info(
        last_automated_data_interval=previous, restriction=TimeRestriction(None, None, True)
    )
    assert (info.run_after, info.logical_date) == (tick, tick - timedelta(days=1))
    train = decode_timetable(encode_timetable(bag.dags["finrisk_train"].timetable)).timetable
    sunday = datetime(2026, 12, 6, 3, tzinfo=UTC)
    week_before = DataInterval(sunday - timedelta(days=8), sunday - timedelta(days=7))
    info = train.next_dagrun_info(
        last_automated_data_interval=week_before, restriction=TimeRestriction(None, None, True)
    )
    assert (info.run_after, info.logical_date.date()) == (sunday, date(2026, 12, 5))


def _latest_tick(now: datetime, hour: int = 1, minute: int = 30) -> datetime:
    """The latest default nightly tick (01:30 UTC) at or before `now`."""
    tick = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return tick if tick <= now else tick - timedelta(days=1)


@pytest.fixture()
def site_until_yesterday(tmp_path, pg_admin) -> Iterator:
    from airflow_harness import AirflowSite

    admin_url = os.environ.get("FINRISK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    site = AirflowSite.create(admin_url, tmp_path)
    try:
        site.load_demo(datetime.now(UTC).date() - timedelta(days=1), customers=60, days=5)
        yield site
    finally:
        site.drop()


def test_scheduler_queues_the_latest_interval_and_it_ingests_the_day_that_ended(site_until_yesterday):
    from airflow_harness import wait_for

    site = site_until_yesterday
    meta = site.metadata()
    warehouse = site.warehouse()
    logs = site.workdir / "services"
    started = datetime.now(UTC)
    tick = _latest_tick(started)
    # what the scheduler must create: the interval that ended at the latest 01:30, scoring its first day
    expected = tick.date() - timedelta(days=1)

    def one(engine, sql, **params):
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).first()

    with site.services("scheduler", "dag-processor") as env:
        wait_for(
            "the dag-processor to register finrisk_nightly",
            lambda: one(meta, "select 1 from dag where dag_id = 'finrisk_nightly'"),
            120,
            logs,
        )
        unpause = subprocess.run(
            ["airflow", "dags", "unpause", "finrisk_nightly"], env=env, capture_output=True, text=True, timeout=120
        )
        assert unpause.returncode == 0, unpause.stdout[-2000:] + unpause.stderr[-2000:]
        run = wait_for(
            "the scheduled run",
            lambda: one(
                meta,
                "select run_id, run_type, logical_date, data_interval_start, data_interval_end, run_after"
                " from dag_run where dag_id = 'finrisk_nightly'",
            ),
            60,
            logs,
        )
        state = wait_for(
            "ingest_sources to finish",
            lambda: one(
                meta,
                "select state from task_instance where dag_id = 'finrisk_nightly' and run_id = :run"
                " and task_id = 'ingest_sources' and state in ('success', 'failed', 'up_for_retry', 'upstream_failed')",
                run=run.run_id,
            ),
            150,
            logs,
        )
        # leaving the block stops everything before scoring: no model was trained here, the date is the point

    assert run.run_type == "scheduled"
    assert (run.data_interval_start, run.data_interval_end) == (tick - timedelta(days=1), tick)
    assert run.logical_date == tick - timedelta(days=1) and run.run_after == tick
    assert state.state == "success", f"ingest_sources {state.state}; logs in {site.workdir}"
    ingested = [r.run_date for r in warehouse.connect().execute(sa.text("select run_date from ops.ingest_runs"))]
    assert ingested == [expected]
    if tick.date() == started.date():  # after 01:30 UTC: the day that ended is yesterday
        assert expected == started.date() - timedelta(days=1)
    assert (datetime.now(UTC) - started).total_seconds() < 240
