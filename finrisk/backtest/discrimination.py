"""Discrimination on realised outcomes: AUC (Mann-Whitney) and its bootstrap percentile interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


def auc(scores: np.ndarray, outcomes: np.ndarray) -> float:
    """The AUC of `scores` for binary `outcomes` (ties count half); NaN when one class is absent."""
    y = np.asarray(outcomes, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(np.asarray(scores, dtype=float))
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@dataclass(frozen=True)
class AucInterval:
    """A realised AUC, its bootstrap percentile interval, the sample it stands on."""

    auc: float
    low: float
    high: float
    observations: int
    defaults: int
    samples: int


def bootstrap_auc(
    scores: np.ndarray, outcomes: np.ndarray, samples: int = 500, level: float = 0.95, seed: int = 0
) -> AucInterval:
    """The AUC and a `level` percentile interval from `samples` resamples (with replacement, seeded)."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(outcomes, dtype=bool)
    point = auc(s, y)
    if point != point:
        return AucInterval(point, float("nan"), float("nan"), len(y), int(y.sum()), 0)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(samples):
        pick = rng.integers(0, len(y), len(y))
        value = auc(s[pick], y[pick])
        if value == value:
            values.append(value)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return AucInterval(point, float(low), float(high), len(y), int(y.sum()), len(values))
