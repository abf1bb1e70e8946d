"""Population stability index: pure math, no I/O.

A reference distribution is `{"edges": [...], "shares": [...]}` as the models area logs it
with the training run. `edges` are either the k+1 bin boundaries of k shares or only the
k-1 inner thresholds; values outside the outer edges fall into the first or last bin,
so a shifted population is counted, not dropped.

PSI = sum over bins of (actual - expected) * ln(actual / expected). Rule of thumb:
below 0.1 stable, 0.1 - 0.25 a moderate shift, above 0.25 a significant shift.

A PSI is only as good as its sample: on n rows and k bins an unchanged population still
scores about (k - 1) / n (PSI is close to a chi-square statistic over n), so a few rows can
"drift" by chance, and a bin the reference barely fills turns every stray row into a large
term. `merge_sparse_bins` joins adjacent reference bins until each expects enough rows.
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


def merge_sparse_bins(expected: Sequence[float], rows: float, min_expected: float) -> list[list[int]]:
    """Groups of adjacent bins, left to right, each expecting at least `min_expected` of `rows` rows.

    `expected` are the reference shares (or counts); a bin expects share x rows. A trailing group
    that falls short joins the one before it. Every bin belongs to exactly one group, in order;
    when the whole sample expects fewer than `min_expected` rows the result is a single group.
    """
    e = shares(expected)
    groups: list[list[int]] = []
    current: list[int] = []
    filled = 0.0
    for i, share in enumerate(e.tolist()):
        current.append(i)
        filled += share * rows
        if filled >= min_expected:
            groups.append(current)
            current, filled = [], 0.0
    if current:
        if groups:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return groups


def merge_counts(values: Sequence[float], groups: Sequence[Sequence[int]]) -> list[float]:
    """Per-bin values (shares or counts) summed over the groups of `merge_sparse_bins`."""
    return [float(sum(values[i] for i in group)) for group in groups]


def merge_edges(edges: Sequence[float], bins: int, groups: Sequence[Sequence[int]]) -> list[float]:
    """The edges left once the bins are grouped, in the same convention as `edges` (k+1 or k-1 values)."""
    values = [float(e) for e in edges]
    inner = inner_thresholds(values, bins)
    kept = [inner[group[-1]] for group in groups[:-1]]  # the threshold above each group but the last
    return [values[0], *kept, values[-1]] if len(values) == bins + 1 else kept
