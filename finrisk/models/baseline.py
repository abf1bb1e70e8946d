"""The honest tabular baseline, fitted on exactly the same split as the BERT model.

Credit and fraud: logistic regression on one-hot categorical and scaled numeric profile
attributes (discovered from whatever keys the records carry) plus the behaviour numbers in
`meta["numeric"]`. News: TF-IDF with logistic regression on headline and body.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from finrisk.features.records import Record


def tabular_row(record: Record) -> dict:
    """Attributes and numeric behaviour as a flat dict: numbers stay numbers, the rest is one-hot."""
    row: dict = {}
    for key, value in (record.meta.get("attributes") or {}).items():
        if isinstance(value, bool):
            row[f"attr:{key}"] = float(value)
        elif isinstance(value, (int, float)):
            row[f"attr:{key}"] = float(value)
        elif value is not None:
            row[f"attr:{key}"] = str(value)[:60]
    for key, value in (record.meta.get("numeric") or {}).items():
        row[f"num:{key}"] = float(value)
    return row


def _pipeline(is_text: bool, class_weighted: bool, seed: int):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MaxAbsScaler

    lr = LogisticRegression(max_iter=2000, C=1.0, class_weight="balanced" if class_weighted else None, random_state=seed)
    if is_text:
        return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True), lr)
    # log1p tames amounts; MaxAbsScaler keeps the one-hot columns sparse.
    return make_pipeline(DictVectorizer(sparse=True), MaxAbsScaler(), lr)


def _inputs(records: Sequence[Record], is_text: bool):
    if is_text:
        return [r.meta.get("text_for_baseline") or " ".join(r.fields.values()) for r in records]
    rows = []
    for r in records:
        row = tabular_row(r)
        rows.append({k: (np.sign(v) * np.log1p(abs(v)) if isinstance(v, float) else v) for k, v in row.items()})
    return rows


def fit_predict(train: Sequence[Record], evaluate_on: Sequence[Record], num_labels: int, is_text: bool,
                class_weighted: bool, seed: int) -> np.ndarray:
    """Fit on `train`, return class probabilities (n, num_labels) on `evaluate_on`."""
    model = _pipeline(is_text, class_weighted, seed)
    model.fit(_inputs(train, is_text), [r.meta["label"] for r in train])
    probs = model.predict_proba(_inputs(evaluate_on, is_text))
    full = np.zeros((len(evaluate_on), num_labels))
    full[:, model.classes_] = probs
    if class_weighted:
        # The same prior correction as the BERT model's (train.undo_class_weights): divide by the
        # "balanced" weight of each class and renormalise, so Brier and calibration compare fairly.
        counts = np.bincount([r.meta["label"] for r in train], minlength=num_labels).astype(float)
        full = full * np.maximum(counts, 1) / len(train)
        full = full / np.maximum(full.sum(axis=1, keepdims=True), 1e-12)
    return full
