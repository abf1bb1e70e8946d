"""A run date far from the data is refused in one line by every step; past dates (backfills) still run.

A run date after today (UTC) by more than `FINRISK_RUN_DATE_MAX_DAYS_AHEAD` would publish scores
dated in the future and leave a watermark cutoff that stamps every later night's rows `known_at`
in the future (so nothing is scored). Dates before `FINRISK_QUALITY__MIN_EVENT_YEAR` hold no
event validation accepts, and at the ends of the calendar (0001-01-01, 9999-12-31) the day's
bounds do not exist: each is one line, before anything is written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from source_rows import good_day

from finrisk.errors import FinriskError
from finrisk.ingest import run_ingest
from finrisk.quality import run_validation
from finrisk.scoring import run as scoring

PAST = date(2025, 3, 3)


def _today() -> date:
    return datetime.now(UTC).date()


def _written(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"select count(*) from {t}")).scalar()
            for t in (
                "ops.ingest_runs",
                "ops.ingest_watermarks",
                "staging.transactions",
                "quality.validation_runs",
                "ops.scoring_runs",
                "risk.risk_scores",
            )
        }


@pytest.mark.parametrize("day", [date(2099, 12, 31), date(9999, 12, 31), date(1, 1, 1), date(1989, 12, 31)])
def test_every_step_refuses_a_run_date_far_from_the_data_in_one_line(settings, engine, day):
    good_day(engine, PAST, n=3)
    before = _written(engine)
    for step in (run_ingest, run_validation, scoring.score, scoring.publish):
        with pytest.raises(FinriskError) as refused:
            step(settings, day)
        message = str(refused.value)
        assert day.isoformat() in message and "\n" not in message, (step.__name__, message)
    assert _written(engine) == before  # refused before anything was recorded


def test_the_tolerance_is_a_setting_and_today_and_the_past_still_run(settings, engine):
    today = _today()
    strict = settings.model_copy(update={"run_date_max_days_ahead": 0})
    with pytest.raises(FinriskError, match=r"after today .*FINRISK_RUN_DATE_MAX_DAYS_AHEAD"):
        run_ingest(strict, today + timedelta(days=1))
    assert run_ingest(strict, today).total_rows == 0
    assert run_ingest(settings, today + timedelta(days=1)).total_rows == 0  # default: one day for clocks ahead of UTC
    with pytest.raises(FinriskError, match="after today"):
        run_ingest(settings, today + timedelta(days=2))
    assert run_ingest(settings, date(1990, 1, 1)).total_rows == 0  # backfills of the past are allowed
    good_day(engine, PAST, n=3)
    assert run_ingest(settings, PAST).total_rows == 10


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "FINRISK_DATABASE_URL": url},
        timeout=300,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("ingest", "--date", "9999-12-31"),
        ("validate", "--date", "0001-01-01"),
        ("score", "--date", "2099-12-31"),
        ("publish", "--date", "9999-12-31"),
        ("nightly", "--no-demo", "--date", "2099-12-31"),
    ],
)
def test_cli_refuses_far_run_dates_in_one_line_without_traceback(db_url, engine, args):
    before = _written(engine)
    result = _cli(*args, url=db_url)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "OverflowError" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("finrisk: error: run date") and args[-1] in last, result.stderr[-2000:]
    assert _written(engine) == before
