"""Quiet days (issue 10, defect 7): a day with no customer updates is normal for a bank.

The volume band learns daily volumes per table with the first, backlog load left out, accepts
zero where zero is normal, never collapses to [0, 0] after quiet days, and its message says
what it compared against. The Airflow quick start's path (demo data, then ingest and validate
the last three dates) must pass.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from source_rows import at, customer, good_day, insert, txn

from finrisk.errors import FinriskError
from finrisk.ingest import run_ingest
from finrisk.quality import run_validation

D = date(2025, 5, 5)


def _transactions_only(engine, day: date, n: int = 10) -> None:
    """A day with card activity for the backlog's customers but no customer updates."""
    insert(engine, "transactions", *[txn(f"t-{day}-{i}", f"c-{D}-{i}", at(day, 11)) for i in range(n)])


def _customers_note(engine, day: date) -> str:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "select e.details ->> 'note' from quality.expectation_results e join quality.validation_runs r "
                "on r.run_id = e.run_id and r.suite = e.suite where r.run_date = :d and r.table_name = "
                "'staging.customers' "
                "and e.expectation = 'expect_table_row_count_to_be_between' order by r.finished_at desc limit 1"
            ),
            {"d": day},
        ).scalar()


def test_quiet_day_right_after_the_backlog_passes(settings, engine):
    good_day(engine, D, n=10)
    run_ingest(settings, D)
    run_validation(settings, D)
    for offset in (1, 2, 3):  # three days in a row with no customer updates, like the demo data
        day = D + timedelta(days=offset)
        _transactions_only(engine, day)
        assert run_ingest(settings, day).rows["customers"] == 0
        report = run_validation(settings, day)
        assert report.tables["customers"].success and report.tables["customers"].batch_failure is None
    note = _customers_note(engine, D + timedelta(days=3))
    assert "zero accepted: 2 of 2 day(s) were empty" in note or "all 2 earlier daily load(s)" in note, note
    assert "backlog" in note


def test_band_is_not_zero_after_quiet_days(settings, engine):
    good_day(engine, D, n=10)
    run_ingest(settings, D)
    for offset in (1, 2):
        _transactions_only(engine, D + timedelta(days=offset))
        run_ingest(settings, D + timedelta(days=offset))
    day = D + timedelta(days=3)
    insert(engine, "customers", *[customer(f"c-new-{i}", at(day, 9)) for i in range(5)])
    _transactions_only(engine, day)
    run_ingest(settings, day)
    report = run_validation(settings, day)  # used to compare 5 rows against a band of [0, 0]
    assert report.tables["customers"].evaluated_rows == 5 and report.tables["customers"].success


def test_zero_where_zero_is_not_normal_still_stops_and_says_what_it_compared(settings, engine):
    good_day(engine, D, n=20)
    run_ingest(settings, D)
    for offset in (1, 2, 3):  # twenty updates every day, never a quiet one
        good_day(engine, D + timedelta(days=offset), n=20)
        run_ingest(settings, D + timedelta(days=offset))
    day = D + timedelta(days=4)
    _transactions_only(engine, day)
    run_ingest(settings, day)
    with pytest.raises(FinriskError) as err:
        run_validation(settings, day)
    message = str(err.value)
    assert message.startswith("staging.customers: expect_table_row_count_to_be_between failed: empty batch")
    assert "volume band [4, 200] from a mean of 20.0 rows over 3 earlier daily load(s)" in message
    assert f"({D + timedelta(days=1)}..{D + timedelta(days=3)})" in message and "backlog load left out" in message


def test_small_daily_volume_accepts_a_quiet_day(settings, engine):
    good_day(engine, D, n=10)
    run_ingest(settings, D)
    for offset in (1, 2):  # two customer updates a day: an empty day is likely (e^-2 = 0.14)
        day = D + timedelta(days=offset)
        insert(engine, "customers", *[customer(f"c-{day}-{i}", at(day, 9)) for i in range(2)])
        _transactions_only(engine, day)
        run_ingest(settings, day)
    day = D + timedelta(days=3)
    _transactions_only(engine, day)
    run_ingest(settings, day)
    report = run_validation(settings, day)
    assert report.tables["customers"].success
    assert "an empty day is likely at a mean of 2.0 rows" in _customers_note(engine, day)


def test_demo_data_last_three_dates_ingest_and_validate(settings, engine):
    """What the quick start runs: demo data, then ingest + validate for the last three dates."""
    from finrisk.demo.generate import generate

    end = date(2026, 1, 31)
    generate(settings, customers=200, days=30, seed=3, end_date=end)
    dates = [end - timedelta(days=2), end - timedelta(days=1), end]
    loaded = []
    for day in dates:
        loaded.append(run_ingest(settings, day).rows["customers"])
        report = run_validation(settings, day)
        assert report.tables["customers"].batch_failure is None and report.tables["transactions"].batch_failure is None
    assert loaded[0] > 100 and 0 in loaded[1:], loaded  # the backlog, then at least one day without updates
