"""Fraud injected in the patterns investigators see, and the labels they confirm days later.

Patterns (one per incident, each a short run of transactions on a victim's card):
- card testing: a burst of tiny online amounts at odd web merchants, then maybe one big one;
- account takeover: online spend from a country and channel new to the customer;
- skimming burst: card-present spend and cash at new merchants in a foreign country;
- out of character: one to three purchases many times the customer's usual amount.
Legitimate trips abroad and big purchases exist too, so no single trait gives fraud away.
"""

from __future__ import annotations

import numpy as np

from finrisk.demo import vocab
from finrisk.demo.common import DAY, Window, pick, stream
from finrisk.demo.customers import Customers
from finrisk.demo.transactions import Txns, country_indices

_PATTERN_WEIGHTS = (0.3, 0.3, 0.25, 0.15)
_LENGTH = ((6, 17), (3, 11), (4, 13), (1, 4))  # [low, high) transactions per incident
_GAP_S = (70.0, 7200.0, 1500.0, 10800.0)  # mean seconds between an incident's transactions
_CAT = {c: i for i, c in enumerate(vocab.CATEGORY_NAMES)}


def inject_fraud(seed: int, customers: Customers, window: Window, normal: Txns, rate: float = 0.01) -> Txns:
    """Fraudulent transactions, about `rate` of the normal volume, on active customers' cards."""
    rng = stream(seed, "fraud")
    active = np.flatnonzero(np.bincount(normal.cust, minlength=len(customers.activity)) > 0)
    if len(active) == 0:
        return normal.take(np.zeros(0, dtype=int))
    incidents = max(1, int(round(rate * len(normal) / 6.5)))
    victim = rng.choice(active, incidents, replace=incidents > len(active))
    pattern = pick(rng, _PATTERN_WEIGHTS, incidents)
    low, high = np.array(_LENGTH).T
    length = rng.integers(low[pattern], high[pattern])
    start = window.start + (rng.uniform(0, max(window.days - 1, 0.5), incidents) * DAY).astype(np.int64)

    inc = np.repeat(np.arange(incidents), length)
    n = len(inc)
    first = np.repeat(np.cumsum(length) - length, length)
    position = np.arange(n) - first
    last = position == length[inc] - 1
    gaps = rng.exponential(np.array(_GAP_S)[pattern[inc]]) * (position > 0)
    elapsed = np.cumsum(gaps)
    t = start[inc] + (elapsed - elapsed[first]).astype(np.int64)
    p = pattern[inc]
    cust = victim[inc]

    names, offsets, counts = vocab.merchant_table()
    fraud_merchant = len(names) - len(vocab.FRAUD_MERCHANTS) + rng.integers(0, len(vocab.FRAUD_MERCHANTS), n)
    foreign = country_indices(vocab.FRAUD_COUNTRIES)[pick(rng, vocab.FRAUD_COUNTRY_WEIGHTS, incidents)][inc]
    home = customers.home[cust]
    scale = customers.spend_scale[cust]

    # Card testing.
    big = last & (length[inc] > 6) & (rng.random(n) < 0.4)
    amount = np.where(big, rng.lognormal(np.log(400), 0.4, n), np.round(rng.uniform(0.5, 4.99, n), 2))
    category = np.full(n, _CAT["online_retail"])
    channel = np.ones(n, dtype=int)
    merchant = fraud_merchant.copy()
    country = np.where((rng.random(incidents) < 0.6)[inc], foreign, home)

    # Account takeover: online, a new country, electronics, travel or gift cards.
    ato = p == 1
    ato_cat = np.array([_CAT["electronics"], _CAT["online_retail"], _CAT["travel"]])[rng.integers(0, 3, n)]
    ato_merchant = np.where(
        rng.random(n) < 0.4, fraud_merchant, offsets[ato_cat] + rng.integers(0, 1 << 30, n) % counts[ato_cat]
    )
    amount = np.where(ato, rng.lognormal(np.log(320), 0.5, n), amount)
    category = np.where(ato, ato_cat, category)
    merchant = np.where(ato, ato_merchant, merchant)
    country = np.where(ato, foreign, country)

    # Skimming burst: card present abroad, shops and cash machines.
    burst = p == 2
    burst_channel = np.array([0, 2, 3])[pick(rng, (0.5, 0.3, 0.2), n)]
    shop_cat = np.array([_CAT["grocery"], _CAT["clothing"], _CAT["electronics"], _CAT["restaurant"]])[
        rng.integers(0, 4, n)
    ]
    burst_cat = np.where(burst_channel == 2, _CAT["cash_advance"], shop_cat)
    amount = np.where(
        burst, np.where(burst_channel == 2, rng.integers(20, 51, n) * 10.0, rng.lognormal(np.log(110), 0.6, n)), amount
    )
    category = np.where(burst, burst_cat, category)
    channel = np.where(burst, burst_channel, channel)
    merchant = np.where(burst, offsets[burst_cat] + rng.integers(0, 1 << 30, n) % counts[burst_cat], merchant)
    country = np.where(burst, foreign, country)

    # Out of character: a home purchase many times the usual size.
    odd = p == 3
    amount = np.where(odd, np.maximum(800, 170 * scale * rng.uniform(8, 25, n)), amount)
    category = np.where(odd, _CAT["electronics"], category)
    channel = np.where(odd, rng.integers(0, 2, n), channel)
    merchant = np.where(odd, offsets[_CAT["electronics"]] + rng.integers(0, counts[_CAT["electronics"]], n), merchant)
    country = np.where(odd, home, country)

    inside = t < window.end
    return Txns(cust, t, amount, category, merchant, channel, country, np.ones(n, dtype=bool)).take(inside)


def fraud_labels(seed: int, txns: Txns, window: Window, home: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Confirmed outcomes known by the end of the window: (row positions, is_fraud, labeled_at seconds).

    `home` is each customer's home country index.

    Most fraud is confirmed 1-20 days later; investigators also clear a sample of normal
    transactions, drawn mostly from the ones that look unusual (abroad, online, large).
    """
    rng = stream(seed, "fraud_labels")
    n = len(txns)
    abroad = txns.country != home[txns.cust]
    suspicious = (
        0.004 + 0.04 * abroad + 0.02 * ((txns.channel == 1) & (txns.amount_eur > 150)) + 0.03 * (txns.amount_eur > 500)
    )
    chosen = np.where(txns.is_fraud, rng.random(n) < 0.93, rng.random(n) < suspicious)
    delay = np.where(txns.is_fraud, 0.5 + rng.gamma(2.0, 3.0, n), rng.uniform(0.5, 10, n))
    labeled = txns.t + (delay * DAY).astype(np.int64)
    keep = np.flatnonzero(chosen & (labeled < window.end))
    return keep, txns.is_fraud[keep], labeled[keep]
