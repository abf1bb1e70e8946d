"""The volume band: a batch's row count against the same table's recent daily loads.

Banks have quiet days: no customer updates on a Sunday, no news labels for a week. The band
learns from the daily loads of the lookback window (the first, backlog load is history, not
a day, and is left out) and accepts zero rows where zero is normal: an empty day was seen in
the window, or the daily mean is so small that an empty day is likely (Poisson, e^-mean at
least `volume_quiet_probability`). The upper limit comes from the days that loaded rows, so
quiet days never shrink it to [0, 0]. Its `note` says what the batch was compared against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from finrisk.config import QualitySettings
from finrisk.db.sql import query


@dataclass(frozen=True)
class VolumeBand:
    """Allowed row counts for a batch; `note` says how the band was set (or why it was skipped)."""

    min_rows: int
    max_rows: int | None
    recent_mean: float | None
    history_days: int
    quiet_days: int
    note: str

    @property
    def has_history(self) -> bool:
        """Whether earlier daily ingests exist to compare with."""
        return self.history_days > 0

    def allows(self, rows: int) -> bool:
        """Whether a batch of `rows` lies in the band."""
        return rows >= self.min_rows and (self.max_rows is None or rows <= self.max_rows)


def band_from_loads(
    q: QualitySettings, loads: list[int], first: date | None = None, last: date | None = None
) -> VolumeBand:
    """The band for a batch given the earlier daily loads (backlog excluded), oldest first."""
    window = f"in the last {q.volume_lookback_days} days"
    if not loads:
        return VolumeBand(
            0,
            None,
            None,
            0,
            0,
            f"volume band skipped: no daily ingest history {window} (the first, backlog load is not a day's volume)",
        )
    days = len(loads)
    span = f" ({first}..{last})" if first and last else ""
    quiet = sum(1 for n in loads if n == 0)
    active = [n for n in loads if n > 0]
    mean = sum(loads) / days
    if not active:
        return VolumeBand(
            0,
            None,
            0.0,
            days,
            quiet,
            f"volume band [0, any]: all {days} earlier daily load(s){span} {window} were empty"
            ", the backlog load left out",
        )
    high = math.floor(q.volume_max_ratio * sum(active) / len(active))
    if quiet:
        low, why = 0, f"zero accepted: {quiet} of {days} day(s) were empty"
    elif math.exp(-mean) >= q.volume_quiet_probability:
        low, why = 0, f"zero accepted: an empty day is likely at a mean of {mean:.1f} rows"
    else:
        low, why = math.ceil(q.volume_min_ratio * mean), f"ratios {q.volume_min_ratio}..{q.volume_max_ratio}"
    note = (
        f"volume band [{low}, {high}] from a mean of {mean:.1f} rows over {days} earlier daily load(s){span} "
        f"{window}, the backlog load left out ({why})"
    )
    return VolumeBand(low, high, mean, days, quiet, note)


def volume_band(conn: sa.Connection, q: QualitySettings, table: str, run_date: date) -> VolumeBand:
    """The band from the lookback window's daily loads (the backlog load left out)."""
    params = {"table_name": table, "run_date": run_date, "since": run_date - timedelta(days=q.volume_lookback_days)}
    rows = conn.execute(query("quality/volume_history"), params).all()
    loads = [int(r.rows_loaded) for r in rows]
    return band_from_loads(q, loads, rows[0].run_date if rows else None, rows[-1].run_date if rows else None)
