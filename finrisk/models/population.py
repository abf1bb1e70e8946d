"""Fraud trained for the population it scores: sampling weights, the prior correction and alert figures.

The fraud examples (sql/features/fraud_training_examples.sql with population on) are every mature
transaction: a fraud label makes it fraud, no label by the snapshot makes it genuine. Genuine rows are
kept at a known rate r (fraud rows at 1), so the sample's odds of fraud are the population's divided by r.
Prior correction (King and Zeng's, for case-control samples): add log(r) to the model's fraud logit,
which we fold into the Platt intercept. Holdout metrics weight each row by 1/r, so precision, recall,
PR-AUC, calibration and the alert volume describe the population, not the sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def weights(records: Sequence) -> np.ndarray:
    """Each record's population weight: 1 / its sample rate (1 when it was not sampled)."""
    return np.array([1.0 / float(r.meta.get("sample_rate", 1.0) or 1.0) for r in records], dtype=float)


def genuine_rate(records: Sequence, positive_index: int = 1) -> float:
    """The rate genuine rows were kept at (1.0: no sampling)."""
    rates = [float(r.meta.get("sample_rate", 1.0)) for r in records if r.meta.get("label") != positive_index]
    return min(rates) if rates else 1.0


def prior_shift(rate: float) -> float:
    """What to add to the fraud logit so the odds are the population's: log(rate)."""
    return math.log(rate) if 0 < rate < 1 else 0.0


def shift_probs(probs: np.ndarray, shift: float, positive_index: int = 1) -> np.ndarray:
    """A binary (n, 2) probability matrix with `shift` added to the positive logit."""
    if not shift:
        return probs
    p = np.clip(probs[:, positive_index], 1e-12, 1 - 1e-12)
    q = 1.0 / (1.0 + np.exp(-(np.log(p / (1 - p)) + shift)))
    out = np.empty_like(probs)
    out[:, positive_index], out[:, 1 - positive_index] = q, 1 - q
    return out


def alert_metrics(y: Sequence[int], p: Sequence[float], w: Sequence[float], threshold: float, times: Sequence) -> dict:
    """Precision and recall at the alert threshold, alerts per day and the population fraud rate against the
    mean predicted probability, all weighted to the population."""
    y, p, w = np.asarray(y, dtype=float), np.asarray(p, dtype=float), np.asarray(w, dtype=float)
    alert = p >= threshold
    days = max(1, len({t.date() if hasattr(t, "date") else t for t in times}))
    alerts, frauds = float((w * alert).sum()), float((w * y).sum())
    caught = float((w * y * alert).sum())
    total = float(w.sum()) or 1.0
    return {
        "alert_threshold": float(threshold),
        "alert_precision": caught / alerts if alerts else float("nan"),
        "alert_recall": caught / frauds if frauds else float("nan"),
        "alerts_per_day": alerts / days,
        "alert_share": alerts / total,
        "transactions_per_day": total / days,
        "holdout_days": float(days),
        "population_fraud_rate": frauds / total,
        "population_mean_probability": float((w * p).sum() / total),
    }
