"""Platt scaling of a binary classifier, fitted on the validation split and baked into its head.

A short CPU fine-tune can rank customers (AUC above the floor) while its probabilities
stay squeezed around one value, which makes every customer the same risk band. Credit
teams recalibrate a score before publishing PDs; here the logit difference is mapped
with p = sigmoid(a * z + b), fitted on validation (never the holdout, which stays the
honest test of calibration). Folding a and b into the last linear layer keeps the saved
model a plain Hugging Face checkpoint: scoring needs no extra step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)
_EPS = 1e-7


@dataclass(frozen=True)
class Platt:
    """p = sigmoid(slope * z + intercept), z the model's positive-vs-negative logit difference."""

    slope: float
    intercept: float


def fit_platt(probs: np.ndarray, labels, positive_index: int) -> Platt:
    """Fit slope and intercept by maximum likelihood on (validation) probabilities of a binary model."""
    from sklearn.linear_model import LogisticRegression

    p = np.clip(np.asarray(probs, dtype=float)[:, positive_index], _EPS, 1 - _EPS)
    z = np.log(p / (1 - p)).reshape(-1, 1)
    y = (np.asarray(labels) == positive_index).astype(int)
    if y.min() == y.max():
        return Platt(1.0, 0.0)
    fitted = LogisticRegression(C=1e6, max_iter=1000).fit(z, y)
    slope, intercept = float(fitted.coef_[0, 0]), float(fitted.intercept_[0])
    if slope <= 0:
        # the model does not rank validation the right way round: only move the mean to the base rate
        base = y.mean()
        slope, intercept = 1.0, float(np.log(base / (1 - base)) - z.mean())
    return Platt(slope, intercept)


def apply_platt(probs: np.ndarray, platt: Platt, positive_index: int) -> np.ndarray:
    """The calibrated (n, 2) probabilities for given binary probabilities (for tests and checks)."""
    p = np.clip(np.asarray(probs, dtype=float)[:, positive_index], _EPS, 1 - _EPS)
    q = 1 / (1 + np.exp(-(platt.slope * np.log(p / (1 - p)) + platt.intercept)))
    out = np.empty((len(q), 2))
    out[:, positive_index], out[:, 1 - positive_index] = q, 1 - q
    return out


def bake_platt(model, platt: Platt, positive_index: int) -> bool:
    """Fold the calibration into the last linear layer: W' = aW, c' = ac, c'[pos] += b. False if no head found."""
    import torch

    head = getattr(model, "classifier", None)
    linears = [m for m in head.modules() if isinstance(m, torch.nn.Linear)] if head is not None else []
    if not linears or linears[-1].bias is None or linears[-1].out_features != 2:
        log.warning("no binary classifier head found: probabilities are left uncalibrated")
        return False
    last = linears[-1]
    with torch.no_grad():
        last.weight.mul_(platt.slope)
        last.bias.mul_(platt.slope)
        last.bias[positive_index] += platt.intercept
    return True
