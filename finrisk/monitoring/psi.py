"""Population stability index: pure math, no I/O.

A reference distribution is `{"edges": [...], "shares": [...]}` as the models area logs it
with the training run. `edges` are either the k+1 bin boundaries of k shares or only the
k-1 inner thresholds; values outside the outer edges fall into the first or last bin,
so a shifted population is counted, not dropped.

PSI = sum over bins of (actual - expected) * ln(actual / expected). Rule of thumb:
below 0.1 stable, 0.1 - 0.25 a moderate shift, above 0.25 a significant shift.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

EPSILON = 1e-4  # floor for empty bins, so one empty bin does not make PSI infinite


def inner_thresholds(edges: Sequence[float], bins: int) -> list[float]:
    """The bins-1 thresholds between bins, from either edge convention."""
    values = [float(e) for e in edges]
    if len(values) == bins + 1:
        return values[1:-1]
    if len(values) == bins - 1:
        return values
    raise ValueError(f"{len(values)} edges do not describe {bins} bins")


def bin_counts(values: Iterable[float], thresholds: Sequence[float]) -> np.ndarray:
    """Counts per bin, bin i holding thresholds[i-1] <= v < thresholds[i]; NaNs are skipped."""
    arr = np.asarray(list(values), dtype=float)
    arr = arr[~np.isnan(arr)]
    index = np.searchsorted(np.asarray(thresholds, dtype=float), arr, side="right")
    return np.bincount(index, minlength=len(thresholds) + 1)


def shares(counts: Sequence[float]) -> np.ndarray:
    """Counts as shares summing to 1 (all zeros stay zeros)."""
    arr = np.asarray(counts, dtype=float)
    total = arr.sum()
    return arr / total if total > 0 else arr


def psi(expected: Sequence[float], actual: Sequence[float], epsilon: float = EPSILON) -> float:
    """PSI between two share (or count) vectors over the same bins."""
    e = shares(expected)
    a = shares(actual)
    if e.shape != a.shape:
        raise ValueError(f"expected {e.shape[0]} bins, got {a.shape[0]}")
    if a.sum() == 0 or e.sum() == 0:
        return float("nan")
    e = np.clip(e, epsilon, None)
    a = np.clip(a, epsilon, None)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_against(reference: dict, values: Iterable[float]) -> tuple[float, list[float]]:
    """PSI of values against a reference {"edges", "shares"}; also returns the actual shares."""
    ref_shares = [float(s) for s in reference["shares"]]
    counts = bin_counts(values, inner_thresholds(reference["edges"], len(ref_shares)))
    actual = shares(counts)
    return psi(ref_shares, actual), [round(float(x), 6) for x in actual]


def is_flagged(value: float, threshold: float) -> bool:
    """True when a PSI is above the threshold (NaN, i.e. no data, is not a flag)."""
    return not math.isnan(value) and value > threshold


def counts_from_buckets(buckets: Iterable[tuple[int, int]], bins: int) -> np.ndarray:
    """A count vector from (bucket, count) pairs, e.g. SQL width_bucket over the inner thresholds."""
    counts = np.zeros(bins, dtype=float)
    for bucket, count in buckets:
        counts[min(max(int(bucket), 0), bins - 1)] += count
    return counts
