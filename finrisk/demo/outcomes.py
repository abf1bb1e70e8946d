"""Credit outcomes: one snapshot per customer and whether they defaulted within 12 months.

The snapshot date falls in the later two thirds of the window, so every customer has
transaction history before it. The default probability is a noisy latent score: the
profile's part, the hidden part (seen only through notes and distress), card behaviour
before the snapshot (late fees, cash advances, gambling, falling activity) and negative
news about the employer in the 60 days before it. The intercept is solved so that the
book's expected default rate hits the target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from finrisk.demo import vocab
from finrisk.demo.common import DAY, Window, iso_dates, sigmoid, stream
from finrisk.demo.customers import Customers
from finrisk.demo.news import News
from finrisk.demo.transactions import Txns

NEWS_LOOKBACK_DAYS = 60
RECENT_DAYS = 14


def make_outcomes(
    seed: int, customers: Customers, txns: Txns, news: News, window: Window, target_rate: float = 0.08
) -> pd.DataFrame:
    """The credit_outcomes rows (customer_id, snapshot_date, defaulted)."""
    rng = stream(seed, "outcomes")
    count = len(customers.hidden)
    offset_days = rng.integers(window.days // 3, window.days, count) if window.days >= 3 else np.zeros(count, int)
    snapshot = window.start + offset_days * DAY
    behaviour = _behaviour(txns, snapshot, window)
    negative_news = _news_before(customers.employer, snapshot, news)
    score = (
        customers.profile_logit
        + 1.2 * customers.hidden
        + 0.6 * np.log1p(behaviour["fees"])
        + 0.3 * np.log1p(behaviour["cash"])
        + 0.3 * np.log1p(behaviour["gambling"])
        + 0.5 * np.clip(behaviour["decline"], 0, 2)
        + 0.8 * np.log1p(negative_news)
    )
    probability = sigmoid(_intercept(score, target_rate) + score)
    return pd.DataFrame(
        {
            "customer_id": customers.frame["customer_id"].to_numpy(),
            "snapshot_date": iso_dates(snapshot),
            "defaulted": rng.random(count) < probability,
        }
    )


def _behaviour(txns: Txns, snapshot: np.ndarray, window: Window) -> dict[str, np.ndarray]:
    """Per customer, counted on their own (non-fraud) transactions before the snapshot."""
    count = len(snapshot)
    own = ~txns.is_fraud
    cust, t, cat = txns.cust[own], txns.t[own], txns.category[own]
    before = t < snapshot[cust]

    def tally(mask: np.ndarray) -> np.ndarray:
        return np.bincount(cust[mask], minlength=count).astype(float)

    recent = before & (t >= snapshot[cust] - RECENT_DAYS * DAY)
    prior_days = np.maximum((snapshot - window.start) / DAY - RECENT_DAYS, 1.0)
    rate_recent = tally(recent) / RECENT_DAYS
    rate_prior = tally(before & ~recent) / prior_days
    return {
        "fees": tally(before & (cat == vocab.FEES)),
        "cash": tally(before & (cat == vocab.CASH)),
        "gambling": tally(before & (cat == vocab.GAMBLING)),
        "decline": np.log((rate_prior + 0.1) / (rate_recent + 0.1)),
    }


def _news_before(employer: np.ndarray, snapshot: np.ndarray, news: News) -> np.ndarray:
    """Negative articles naming the customer's employer in the lookback before the snapshot."""
    span = np.int64(1) << 40  # larger than any epoch second, so company blocks never overlap
    keys = np.sort(news.negative_company.astype(np.int64) * span + news.negative_t)
    base = np.maximum(employer, 0).astype(np.int64) * span
    upto = np.searchsorted(keys, base + snapshot, side="left")
    since = np.searchsorted(keys, base + snapshot - NEWS_LOOKBACK_DAYS * DAY, side="left")
    return np.where(employer >= 0, upto - since, 0).astype(float)


def _intercept(score: np.ndarray, target_rate: float) -> float:
    """The intercept whose mean default probability equals the target (bisection, deterministic)."""
    low, high = -20.0, 20.0
    for _ in range(60):
        mid = (low + high) / 2
        if sigmoid(mid + score).mean() > target_rate:
            high = mid
        else:
            low = mid
    return (low + high) / 2
