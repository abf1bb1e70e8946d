"""Demo data generation without a database: deterministic, varied, and inside the window."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from finrisk.demo import build_frames
from finrisk.demo.common import Window
from finrisk.errors import FinriskError

END = date(2026, 3, 31)
TABLES = (
    "source.customers",
    "source.credit_outcomes",
    "source.transactions",
    "source.fraud_labels",
    "source.news_articles",
    "source.news_labels",
)


@pytest.fixture(scope="module")
def frames():
    return build_frames(600, 45, 11, END)


def test_same_seed_same_frames(frames):
    again = build_frames(600, 45, 11, END)
    for table in TABLES:
        pd.testing.assert_frame_equal(frames[table], again[table])


def test_other_seed_or_end_date_differs(frames):
    other = build_frames(600, 45, 12, END)
    assert not frames["source.transactions"].equals(other["source.transactions"])
    assert not frames["source.customers"]["profile"].equals(other["source.customers"]["profile"])
    shifted = build_frames(600, 45, 11, date(2026, 4, 1))
    assert not frames["source.transactions"]["occurred_at"].equals(shifted["source.transactions"]["occurred_at"])


def test_window_is_whole_days_ending_on_end_date():
    window = Window(END, 30)
    assert window.start_date == date(2026, 3, 2)
    assert window.end - window.start == 30 * 86_400


def test_transactions_inside_window_and_ordered(frames):
    txns = frames["source.transactions"]
    assert txns["occurred_at"].min() >= "2026-02-15T00:00:00Z"
    assert txns["occurred_at"].max() < "2026-04-01T00:00:00Z"
    assert txns["occurred_at"].is_monotonic_increasing
    assert txns["txn_id"].is_unique and txns["txn_id"].iloc[0] == "T000000001"
    assert (txns["amount"] > 0).all()


def test_customers_are_varied(frames):
    customers = frames["source.customers"]
    assert customers["customer_id"].iloc[0] == "C0000001" and customers["customer_id"].is_unique
    profiles = [json.loads(p) for p in customers["profile"]]
    assert any(p == {} for p in profiles)
    keys = {k for p in profiles for k in p}
    assert {"age_band", "income", "utilisation", "housing", "region", "products"} <= keys
    assert customers["notes"].isna().any() and customers["notes"].notna().mean() > 0.5
    assert customers["company"].isna().any()
    assert customers["segment"].nunique() >= 4


def test_fraud_and_default_rates_are_realistic(frames):
    fraud_rate = frames["_fraud"] / len(frames["source.transactions"])
    assert 0.005 <= fraud_rate <= 0.02
    assert 0.05 <= frames["source.credit_outcomes"]["defaulted"].mean() <= 0.12


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(FinriskError, match="--customers"):
        build_frames(0, 30, 1, END)
    with pytest.raises(FinriskError, match="--days"):
        build_frames(10, 0, 1, END)
    with pytest.raises(FinriskError, match="--seed"):
        build_frames(10, 30, -1, END)


def test_tiny_bank_still_builds():
    tiny = build_frames(1, 1, 0, END)
    assert len(tiny["source.customers"]) == 1
    assert len(tiny["source.news_articles"]) > 0
    assert np.isin(tiny["source.news_labels"]["sentiment"], ["negative", "neutral", "positive"]).all()
