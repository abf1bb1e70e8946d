"""The volume band: a batch's row count against the recent days' ingests of the same table."""

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
    prior_rows: int
    note: str

    @property
    def has_history(self) -> bool:
        """Whether earlier daily ingests exist to compare with."""
        return self.history_days > 0


def volume_band(conn: sa.Connection, q: QualitySettings, table: str, run_date: date) -> VolumeBand:
    """The band from the lookback window's daily loads (the first, backfill ingest left out)."""
    params = {"table_name": table, "run_date": run_date, "since": run_date - timedelta(days=q.volume_lookback_days)}
    loads = [int(r.rows_loaded) for r in conn.execute(query("quality/volume_history"), params)]
    prior = int(conn.execute(query("quality/prior_rows"), params).scalar_one())
    if not loads:
        return VolumeBand(0, None, None, 0, prior,
                          f"volume band skipped: no daily ingest history in the last {q.volume_lookback_days} days")
    mean = sum(loads) / len(loads)
    low, high = math.ceil(q.volume_min_ratio * mean), math.floor(q.volume_max_ratio * mean)
    note = (f"volume band [{low}, {high}] from a mean of {mean:.1f} rows over {len(loads)} day(s)"
            f" (ratios {q.volume_min_ratio}..{q.volume_max_ratio})")
    return VolumeBand(low, high, mean, len(loads), prior, note)
