"""Performance before the labels arrive: confidence-based estimation (CBPE, as NannyML's).

A calibrated model's probability p is the chance its unit defaults, so over a scored population the
expected number of (defaulter, non-defaulter) pairs ranked the right way is known without a single
label: each unit is a defaulter with weight p and a non-defaulter with weight 1 - p. The estimated
AUC is the expected concordant pairs over the expected pairs; the expected default rate is mean(p).
Both hold only while the model stays calibrated on the population (a covariate shift is fine; a shift
of P(default | inputs) is not), which is why they are compared with the realised figures once the
outcomes mature.
"""

from __future__ import annotations

import numpy as np


def estimated_auc(probs: np.ndarray) -> float:
    """Expected AUC of calibrated probabilities scored by themselves (ties count half; self-pairs excluded)."""
    p = np.clip(np.asarray(probs, dtype=float), 0.0, 1.0)
    if len(p) < 2:
        return float("nan")
    order = np.argsort(p, kind="stable")
    p = p[order]
    _, group = np.unique(p, return_inverse=True)
    pos = np.bincount(group, weights=p)
    neg = np.bincount(group, weights=1 - p)
    self_pairs = np.bincount(group, weights=p * (1 - p))
    below = np.cumsum(neg) - neg  # non-defaulter weight strictly below each tie group
    concordant = np.sum(pos * below) + 0.5 * np.sum(pos * neg - self_pairs)
    pairs = p.sum() * (1 - p).sum() - np.sum(p * (1 - p))
    return float(concordant / pairs) if pairs > 0 else float("nan")


def expected_default_rate(probs: np.ndarray) -> float:
    """The default rate the calibrated probabilities expect: their mean."""
    p = np.asarray(probs, dtype=float)
    return float(p.mean()) if len(p) else float("nan")
