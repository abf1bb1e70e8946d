"""Holdout metrics a credit modeller expects, calibration and decile tables, and group fairness."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn import metrics as skm


def _safe_auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(skm.roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10, weights: np.ndarray | None = None) -> list[dict]:
    """Equal-width probability bins: count, mean predicted, observed rate (weighted to the population when
    `weights` are given: then `weight` is the bin's population count)."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    w = np.ones(len(p)) if weights is None else np.asarray(weights, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1], right=True), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = idx == b
        if mask.any():
            row = {
                "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                "n": int(mask.sum()),
                "mean_predicted": float(np.average(p[mask], weights=w[mask])),
                "observed_rate": float(np.average(y[mask], weights=w[mask])),
            }
            if weights is not None:
                row["weight"] = float(w[mask].sum())
            rows.append(row)
    return rows


def expected_calibration_error(
    y: np.ndarray, p: np.ndarray, bins: int = 10, weights: np.ndarray | None = None
) -> float:
    """Count-weighted mean |observed - predicted| over the calibration bins."""
    table = calibration_table(y, p, bins, weights)
    n = sum(r.get("weight", r["n"]) for r in table)
    return (
        float(sum(r.get("weight", r["n"]) * abs(r["observed_rate"] - r["mean_predicted"]) for r in table) / n)
        if n
        else float("nan")
    )


def decile_table(y: np.ndarray, p: np.ndarray) -> list[dict]:
    """Score deciles, riskiest first: count, score range, bad rate, cumulative capture of bads."""
    order = np.argsort(-p, kind="stable")
    parts = np.array_split(order, 10)
    total_bad = max(1, int(y.sum()))
    rows, captured = [], 0
    for d, part in enumerate(parts, start=1):
        if len(part) == 0:
            continue
        captured += int(y[part].sum())
        rows.append(
            {
                "decile": d,
                "n": len(part),
                "min_score": float(p[part].min()),
                "max_score": float(p[part].max()),
                "bad_rate": float(y[part].mean()),
                "cumulative_bad_capture": captured / total_bad,
            }
        )
    return rows


def binary_metrics(y: Sequence[int], p: Sequence[float], weights: Sequence[float] | None = None) -> dict:
    """AUC, Gini, KS, PR-AUC, Brier, ECE and the base rate; with `weights` (1 / sampling rate) they describe
    the population the sample was drawn from (n stays the row count)."""
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    w = None if weights is None else np.asarray(weights, dtype=float)
    auc = float(skm.roc_auc_score(y, p, sample_weight=w)) if len(np.unique(y)) == 2 else float("nan")
    if len(np.unique(y)) == 2:
        fpr, tpr, _ = skm.roc_curve(y, p, sample_weight=w)
        ks = float(np.max(tpr - fpr))
        pr_auc = float(skm.average_precision_score(y, p, sample_weight=w))
    else:
        ks = pr_auc = float("nan")
    return {
        "auc": auc,
        "gini": 2 * auc - 1,
        "ks": ks,
        "pr_auc": pr_auc,
        "brier": float(skm.brier_score_loss(y, p, sample_weight=w)),
        "ece": expected_calibration_error(y, p, weights=w),
        "base_rate": float(np.average(y, weights=w)),
        "n": int(len(y)),
    }


def multiclass_metrics(y: Sequence[int], probs: np.ndarray, positive_index: int) -> dict:
    """Accuracy, macro-F1, and the adverse class one-vs-rest (AUC, PR-AUC, Brier, ECE)."""
    y = np.asarray(y, dtype=int)
    pred = probs.argmax(axis=1)
    one_vs_rest = binary_metrics((y == positive_index).astype(int), probs[:, positive_index])
    return {
        "accuracy": float(skm.accuracy_score(y, pred)),
        "macro_f1": float(skm.f1_score(y, pred, average="macro", labels=list(range(probs.shape[1])), zero_division=0)),
        **one_vs_rest,
    }


def evaluate(y: Sequence[int], probs: np.ndarray, positive_index: int, weights: Sequence[float] | None = None) -> dict:
    """The metrics for a (n, k) probability matrix: binary (optionally population-weighted) or multiclass."""
    if probs.shape[1] == 2:
        return binary_metrics(y, probs[:, positive_index], weights)
    return multiclass_metrics(y, probs, positive_index)


def group_table(
    groups: Sequence[dict],
    y: Sequence[int],
    score: Sequence[float],
    attributes: Sequence[str],
    cutoff: float,
    min_n: int = 1,
) -> list[dict]:
    """Per attribute and group: n, AUC, bad rate, mean score, adverse rate (score >= cutoff) and its
    ratio to the least-affected group of the same attribute (1.0 = parity)."""
    y, score = np.asarray(y, dtype=int), np.asarray(score, dtype=float)
    rows = []
    for attribute in attributes:
        values = np.array([str(g.get(attribute, "missing")) for g in groups])
        if attribute != "segment" and (values == "missing").all():
            continue
        part = []
        for value in sorted(set(values)):
            mask = values == value
            if mask.sum() < min_n:
                continue
            part.append(
                {
                    "attribute": attribute,
                    "group": value,
                    "n": int(mask.sum()),
                    "auc": _safe_auc(y[mask], score[mask]),
                    "bad_rate": float(y[mask].mean()),
                    "mean_score": float(score[mask].mean()),
                    "adverse_rate": float((score[mask] >= cutoff).mean()),
                }
            )
        lowest = min((r["adverse_rate"] for r in part if r["adverse_rate"] > 0), default=0.0)
        for r in part:
            r["adverse_ratio"] = r["adverse_rate"] / lowest if lowest else float("nan")
        rows.extend(part)
    return rows


def top_decile_cutoff(score: Sequence[float]) -> float:
    """The score above which the riskiest 10% lie: the adverse-decision threshold for fairness."""
    return float(np.quantile(np.asarray(score, dtype=float), 0.9)) if len(score) else 1.0
