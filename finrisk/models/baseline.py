"""The honest baselines, fitted on exactly the same split as the model and logged beside it.

- `lr`: logistic regression on the tabular vector (`tabular.TabularEncoder`: whatever keys
  the records carry, numbers scaled with missing indicators, categories one-hot/hashed);
- `hgb`: scikit-learn's HistGradientBoostingClassifier on the same vector;
- `tfidf`: TF-IDF word 1-2-grams with logistic regression on the same serialized text the
  model reads.
Models without tabular inputs (news) get only `tfidf`. The gate's "beats baseline" means
beats the best of them on the model's primary metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from finrisk.models.evaluate import evaluate


def _full(model, probs: np.ndarray, num_labels: int) -> np.ndarray:
    out = np.zeros((len(probs), num_labels))
    out[:, model.classes_] = probs
    return out


def fit_lr(x: np.ndarray, y: Sequence[int], seed: int):
    """Logistic regression on the (already standardised) tabular vector; its weights start the fused head."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=3000, C=1.0, random_state=seed).fit(x, list(y))


def fit_hgb(x: np.ndarray, y: Sequence[int], seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, early_stopping=True, validation_fraction=0.15, random_state=seed
    ).fit(x, list(y))


def fit_tfidf(texts: Sequence[str], y: Sequence[int], seed: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(max_iter=3000, C=4.0, random_state=seed),
    ).fit(list(texts), list(y))


@dataclass
class Baselines:
    """Each baseline's holdout and validation metrics, the best one's name, and the fitted LR and HGB."""

    holdout: dict[str, dict] = field(default_factory=dict)
    validation: dict[str, dict] = field(default_factory=dict)
    holdout_probs: dict[str, np.ndarray] = field(default_factory=dict)
    best: str = ""
    lr: object = None
    hgb: object = None

    @property
    def best_metrics(self) -> dict:
        return self.holdout.get(self.best, {})


def fit_baselines(
    texts: dict[str, list[str]],
    tab: dict[str, np.ndarray] | None,
    labels: dict[str, list[int]],
    num_labels: int,
    positive_index: int,
    primary: str,
    seed: int,
    weights: dict[str, np.ndarray] | None = None,
    prior_shift: float = 0.0,
) -> Baselines:
    """Fit every baseline on train; evaluate on validation and holdout; pick the best on holdout `primary`.

    `weights` (per part) and `prior_shift` (added to the positive logit) are the population correction of a
    sampled training set (finrisk.models.population), applied to the baselines exactly as to the model."""
    from finrisk.models.population import shift_probs

    out = Baselines()
    fitted = {"tfidf": (fit_tfidf(texts["train"], labels["train"], seed), texts)}
    if tab is not None:
        out.lr = fit_lr(tab["train"], labels["train"], seed)
        fitted["lr"] = (out.lr, tab)
        out.hgb = fit_hgb(tab["train"], labels["train"], seed)
        fitted["hgb"] = (out.hgb, tab)
    for name, (model, inputs) in fitted.items():
        for part, store in (("validation", out.validation), ("holdout", out.holdout)):
            probs = _full(model, model.predict_proba(inputs[part]), num_labels)
            if prior_shift and num_labels == 2:
                probs = shift_probs(probs, prior_shift, positive_index)
            store[name] = evaluate(labels[part], probs, positive_index, (weights or {}).get(part))
            if part == "holdout":
                out.holdout_probs[name] = probs
    out.best = max(out.holdout, key=lambda n: np.nan_to_num(out.holdout[n].get(primary, float("nan")), nan=-1.0))
    return out
