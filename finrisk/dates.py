"""The day rule every step shares: a run date covers [midnight UTC, next midnight UTC).

Ingest moves rows with event time before `end_of_day(run_date)`, validation judges event
times against it, and features and scoring read what was known by it. One function, so the
three can never disagree about where a day ends.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in UTC: event time < end_of_day(day) belongs to the day or before."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.utc)


def start_of_day(day: date) -> datetime:
    """Midnight UTC at the start of `day`."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)
