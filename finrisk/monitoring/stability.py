"""One PSI judged with its sample: pooled over small nights, sparse bins merged, a status per row.

Pure: the caller reads the night's counts per reference bin (and, for a small night, earlier
nights' counts) from the warehouse; `judge` returns the PSI row's value, flag and detail.

Statuses of a PSI row:
- `insufficient_sample`: fewer than `min_rows` rows even after pooling; value null, never flagged
  (the PSI of the small sample is kept in the detail as `psi_small_sample`, for the curious);
- `drift`: PSI above the threshold (flagged);
- `watch`: PSI above the watch level;
- `stable`; `no_data` (no rows at all) and `single_bin` (a reference with one bin) carry no PSI.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from finrisk.config import MonitoringSettings
from finrisk.monitoring.psi import inner_thresholds, merge_counts, merge_edges, merge_sparse_bins, psi


@dataclass(frozen=True)
class PsiRules:
    """When a PSI is a finding: the thresholds and the sample it needs."""

    threshold: float
    watch: float = 0.1
    min_rows: int = 500
    min_bin_expected: float = 5.0
    pool_nights: int = 7

    @classmethod
    def from_settings(cls, psi_threshold: float, monitoring: MonitoringSettings | None) -> PsiRules:
        m = monitoring or MonitoringSettings()
        return cls(psi_threshold, m.watch_threshold, m.psi_min_rows, m.psi_min_bin_expected, m.psi_pool_nights)


def status_of(value: float | None, rules: PsiRules) -> str:
    """A sufficient sample's PSI as a status."""
    if value is None or math.isnan(value):
        return "no_data"
    if value > rules.threshold:
        return "drift"
    if value > rules.watch:
        return "watch"
    return "stable"


def judge(
    reference: dict,
    night_counts: Sequence[float],
    earlier: Sequence[tuple[date, Sequence[float]]],
    rules: PsiRules,
    score_date: date,
) -> tuple[float | None, bool, dict]:
    """The PSI row of one score or input: (value, is_flagged, detail).

    `night_counts` are tonight's rows per reference bin; `earlier` the previous published nights'
    counts over the same bins, latest first. A night smaller than `rules.min_rows` takes earlier
    nights, latest first, until the pool reaches it or `rules.pool_nights` are taken.
    """
    ref_shares = [float(s) for s in reference["shares"]]
    bins = len(ref_shares)
    night = [float(c) for c in night_counts]
    night_rows = int(sum(night))
    detail: dict = {
        "edges": list(reference["edges"]),
        "night_counts": [int(c) for c in night],
        "night_rows": night_rows,
        "min_rows": rules.min_rows,
    }
    if len(inner_thresholds(reference["edges"], bins)) == 0:
        return None, False, {**detail, "rows": night_rows, "status": "single_bin", "reason": "reference has one bin"}
    pooled = list(night)
    nights = [score_date.isoformat()]
    if night_rows < rules.min_rows:
        for day, counts in list(earlier)[: rules.pool_nights]:
            if sum(pooled) >= rules.min_rows:
                break
            if len(counts) != bins:
                continue
            pooled = [a + float(b) for a, b in zip(pooled, counts, strict=True)]
            nights.append(day.isoformat())
    rows = int(sum(pooled))
    detail["rows"] = rows
    if len(nights) > 1:
        detail["pooled_nights"] = nights
        detail["pooled_rows"] = rows
    if rows == 0:
        return None, False, {**detail, "status": "no_data"}
    groups = merge_sparse_bins(ref_shares, rows, rules.min_bin_expected)
    expected = merge_counts(ref_shares, groups)
    actual = merge_counts(pooled, groups)
    if len(groups) < bins:
        detail["merged_edges"] = merge_edges(reference["edges"], bins, groups)
        detail["merged_bins"] = [list(g) for g in groups]
    detail["bins"] = len(groups)  # expected and actual are shares over the bins used (after merging)
    detail["expected"] = [round(e, 6) for e in expected]
    detail["actual"] = [round(a / rows, 6) for a in actual]
    value = psi(expected, actual) if len(groups) > 1 else float("nan")
    if rows < rules.min_rows:
        small = None if math.isnan(value) else round(value, 6)
        return None, False, {**detail, "status": "insufficient_sample", "psi_small_sample": small}
    status = status_of(value, rules)
    return (None if math.isnan(value) else value), status == "drift", {**detail, "status": status}
