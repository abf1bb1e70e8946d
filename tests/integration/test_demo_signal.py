"""The demo credit outcomes carry a learnable but not trivial signal.

A plain logistic regression on the profile, read back from the warehouse and split out
of time by snapshot date, must beat AUC 0.65; TF-IDF of the notes must add to it; and
no single profile attribute may come close to the combined model.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.demo import generate

QUERY = """
select c.customer_id, c.segment, c.profile::text as profile, c.notes, o.snapshot_date, o.defaulted
from source.customers c join source.credit_outcomes o using (customer_id)
order by o.snapshot_date, c.customer_id
"""


@pytest.fixture()
def book(db_url, tmp_path) -> pd.DataFrame:
    """Customers and outcomes of a 5,000-customer demo bank, read back from PostgreSQL."""
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data")
    generate(settings, customers=5000, days=60, seed=7, end_date=date(2026, 3, 31))
    with get_engine(settings).connect() as conn:
        return pd.read_sql(sa.text(QUERY), conn)


def _profile_matrix(book: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw profile columns, and a scaled one-hot design matrix of them plus the segment."""
    profile = pd.json_normalize([json.loads(p) for p in book["profile"]])
    products = profile.pop("products").fillna("").str.get_dummies(",").add_prefix("has_")
    numeric = list(profile.select_dtypes("number").columns)
    text = [c for c in profile.columns if c not in numeric]
    design = pd.concat(
        [
            profile[numeric].fillna(profile[numeric].median()),
            profile[numeric].isna().astype(float).add_suffix("_missing"),
            pd.get_dummies(profile[text].fillna("missing").astype(str)).astype(float),
            pd.get_dummies(book["segment"], prefix="segment").astype(float),
            products.astype(float),
        ],
        axis=1,
    )
    return profile, (design - design.mean()) / (design.std() + 1e-9)


def test_profile_is_predictive_and_notes_add_to_it(book):
    y = book["defaulted"].to_numpy()
    cut = int(len(book) * 0.7)  # rows are ordered by snapshot date: out-of-time split
    train, test = np.arange(cut), np.arange(cut, len(book))
    assert book["snapshot_date"].iloc[cut - 1] <= book["snapshot_date"].iloc[cut]
    assert 0.05 <= y.mean() <= 0.12 and y[test].sum() >= 50

    profile, design = _profile_matrix(book)
    base = LogisticRegression(max_iter=2000, C=0.5).fit(design.iloc[train], y[train])
    auc_profile = roc_auc_score(y[test], base.predict_proba(design.iloc[test])[:, 1])

    notes = book["notes"].fillna("")
    tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=3).fit(notes.iloc[train])
    combined = sparse.hstack([sparse.csr_matrix(design.to_numpy()), tfidf.transform(notes)]).tocsr()
    both = LogisticRegression(max_iter=2000, C=0.5).fit(combined[train], y[train])
    auc_both = roc_auc_score(y[test], both.predict_proba(combined[test])[:, 1])

    single = {}
    for column in profile.columns:
        values = profile[column]
        if column in design.columns:
            score = values.fillna(values.median()).to_numpy(dtype=float)
        else:  # a category scored by its default rate in the training rows
            labels = values.fillna("missing").astype(str)
            rates = pd.Series(y[train]).groupby(labels.iloc[train].to_numpy()).mean()
            score = labels.map(rates).fillna(y[train].mean()).to_numpy(dtype=float)
        auc = roc_auc_score(y[test], score[test])
        single[column] = max(auc, 1 - auc)
    best_column, best_single = max(single.items(), key=lambda kv: kv[1])

    print(
        f"default rate {y.mean():.3f}; AUC profile {auc_profile:.3f}, profile+notes {auc_both:.3f}, "
        f"best single {best_column} {best_single:.3f}"
    )
    assert auc_profile > 0.65
    assert auc_both > auc_profile + 0.01
    assert best_single < 0.75 and best_single < auc_both - 0.05
