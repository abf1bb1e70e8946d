"""The day rule every step shares: a run date covers [midnight UTC, next midnight UTC).

Ingest moves rows with event time before `end_of_day(run_date)`, validation judges event
times against it, and features and scoring read what was known by it. One function, so the
three can never disagree about where a day ends. `require_run_date` is the one check every step
makes first: no run date after today (beyond `FINRISK_RUN_DATE_MAX_DAYS_AHEAD`), none before
`FINRISK_QUALITY__MIN_EVENT_YEAR`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from finrisk.config import Settings


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in UTC: event time < end_of_day(day) belongs to the day or before."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def start_of_day(day: date) -> datetime:
    """Midnight UTC at the start of `day`."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def check_run_date(run_date: date, max_days_ahead: int, min_year: int, today: date | None = None) -> date:
    """`run_date`, or a one-line ValueError when it is too far ahead of today (UTC) or before `min_year`.

    A run date is the day that ended: one in the future would publish scores for a day that has not
    happened and leave a watermark cutoff that stamps every later night's rows as known in the
    future. A date before `min_year` holds no event validation accepts; both ends of the calendar
    are refused here, before `end_of_day` could overflow.
    """
    today = today or datetime.now(UTC).date()
    latest = today + timedelta(days=max_days_ahead)
    if run_date > latest:
        raise ValueError(
            f"run date {run_date} is after today ({today}, UTC) by more than {max_days_ahead} day(s) "
            "(FINRISK_RUN_DATE_MAX_DAYS_AHEAD): a run date is the day that ended; past dates (backfills) are allowed"
        )
    if run_date.year < min_year:
        raise ValueError(
            f"run date {run_date} is before {min_year}-01-01 (FINRISK_QUALITY__MIN_EVENT_YEAR): "
            "no event of that day would pass validation"
        )
    return run_date


def require_run_date(settings: Settings, run_date: date) -> date:
    """`run_date` if every step may run for it under `settings`, else a one-line FinriskError."""
    from finrisk.errors import FinriskError

    try:
        return check_run_date(run_date, settings.run_date_max_days_ahead, settings.quality.min_event_year)
    except ValueError as exc:
        raise FinriskError(str(exc)) from None


def publish_window(cron: str, publish_by: str) -> timedelta:
    """How long after a scheduled night is queued its scores are due: from the cron's time of day to publish_by.

    A daily cron firing at 01:30 with publish_by 06:00 gives 4 h 30 min, so the run queued at 01:30 is due
    at 06:00 the same morning; a publish_by at or before the cron's time means the next day's.
    """
    from croniter import croniter

    midnight = datetime(2026, 1, 1, tzinfo=UTC)
    fires = croniter(cron, midnight - timedelta(seconds=1)).get_next(datetime)
    due = datetime.combine(midnight.date(), time.fromisoformat(publish_by), tzinfo=UTC)
    if due <= fires:
        due += timedelta(days=1)
    return due - fires
