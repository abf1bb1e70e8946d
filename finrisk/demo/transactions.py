"""Everyday card transactions, generated column by column with numpy (no loop over rows).

Each active customer gets a Poisson number of transactions spread over the window with a
daytime rhythm. Categories, amounts, channels and merchants follow per-category tables in
vocab.py, scaled by the customer's income; trips abroad come as bursts in one country.
A customer in financial distress, from the onset on, spends less and draws more cash
advances, gambles more and pays late fees: the behaviour credit outcomes read.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from finrisk.demo import vocab
from finrisk.demo.common import DAY, Window, pick, stream
from finrisk.demo.customers import Customers

_HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1.2, 2.5, 3.5, 4, 4.5, 5.5, 6.5, 5.5, 5, 5, 5.5, 6.5, 7, 6.5, 5.5, 4, 3, 2]
)
_DISCRETIONARY = np.isin(
    vocab.CATEGORY_NAMES, ("restaurant", "online_retail", "clothing", "electronics", "travel", "hotel")
)
_COUNTRY_INDEX = {c: i for i, c in enumerate(vocab.COUNTRIES)}
CURRENCIES = tuple(vocab.FX_PER_EUR)
# Currency index per country index.
COUNTRY_CCY = np.array([CURRENCIES.index(vocab.COUNTRY_CURRENCY.get(c, "EUR")) for c in vocab.COUNTRIES])


@dataclass
class Txns:
    """Transactions as parallel arrays; `merchant` indexes vocab.merchant_table() names."""

    cust: np.ndarray
    t: np.ndarray  # epoch seconds
    amount_eur: np.ndarray
    category: np.ndarray
    merchant: np.ndarray
    channel: np.ndarray
    country: np.ndarray
    is_fraud: np.ndarray

    def __len__(self) -> int:
        return len(self.t)

    def take(self, index: np.ndarray) -> Txns:
        """The rows at `index` (a mask or positions), in that order."""
        return Txns(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Txns]) -> Txns:
        """Rows of several parts, one after the other."""
        return Txns(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Txns)})


def country_indices(codes) -> np.ndarray:
    """Positions of ISO country codes in vocab.COUNTRIES."""
    return np.array([_COUNTRY_INDEX[c] for c in codes])


def normal_transactions(seed: int, customers: Customers, window: Window) -> Txns:
    """The legitimate transactions of every active customer in the window."""
    rng = stream(seed, "transactions")
    count = len(customers.activity)
    per_customer = rng.poisson(customers.activity * window.days)
    cust = np.repeat(np.arange(count), per_customer)
    n = len(cust)
    t = (
        window.start
        + rng.integers(0, window.days, n) * DAY
        + pick(rng, _HOUR_WEIGHTS, n) * 3600
        + rng.integers(0, 3600, n)
    )

    # Distress: from the onset on, a third of the spending disappears and risky categories grow.
    post = customers.distressed[cust] & (t >= customers.distress_onset[cust])
    keep = ~(post & (rng.random(n) < 0.35))
    cust, t, post = cust[keep], t[keep], post[keep]
    n = len(cust)

    gambler = rng.random(count) < 0.05
    share_gambling = np.where(gambler, rng.uniform(0.03, 0.12, count), 0.002)
    share_cash = rng.uniform(0.0, 0.04, count)
    severity = rng.uniform(0.4, 1.6, count)[cust] * post
    g = share_gambling[cust] + 0.04 * severity
    c = g + share_cash[cust] + 0.10 * severity
    f = c + 0.0015 + 0.05 * severity
    weights, medians, sigmas, channel_p = vocab.category_table()
    base = np.searchsorted(np.cumsum(weights), rng.random(n) * 0.999999, side="right")
    u = rng.random(n)
    category = np.where(u < g, vocab.GAMBLING, np.where(u < c, vocab.CASH, np.where(u < f, vocab.FEES, base)))

    amount = medians[category] * customers.spend_scale[cust] * rng.lognormal(0.0, sigmas[category])
    amount = np.where(post & _DISCRETIONARY[category], amount * 0.7, amount)
    amount = np.where(category == vocab.CASH, np.maximum(20, np.round(amount, -1)), amount)
    amount = np.where(category == vocab.FEES, np.array([25.0, 30.0, 35.0])[rng.integers(0, 3, n)], amount)

    cum = np.cumsum(channel_p, axis=1)[category]
    uc = rng.random(n)
    channel = (uc[:, None] > cum[:, :3]).sum(axis=1)

    names, offsets, counts = vocab.merchant_table()
    usual = (cust * 7919 + category * 104729) % counts[category]
    other = rng.integers(0, 1 << 30, n) % counts[category]
    merchant = offsets[category] + np.where(rng.random(n) < 0.7, usual, other)

    country = _countries(rng, customers, window, cust, t, category, n)
    return Txns(cust, t, amount, category, merchant, channel, country, np.zeros(n, dtype=bool))


def _countries(rng, customers: Customers, window: Window, cust, t, category, n) -> np.ndarray:
    """Home country, except on a trip abroad (a run of days in one country) and for foreign web shops."""
    count = len(customers.activity)
    travel_codes = country_indices(vocab.TRAVEL_COUNTRIES)
    destination = travel_codes[pick(rng, vocab.TRAVEL_WEIGHTS, count)]
    travels = rng.random(count) < np.minimum(0.9, customers.travel * 8 * window.days / 90)
    trip_start = window.start + (rng.uniform(-5, window.days, count) * DAY).astype(np.int64)
    trip_end = trip_start + rng.integers(3, 15, count) * DAY
    on_trip = travels[cust] & (t >= trip_start[cust]) & (t < trip_end[cust]) & (rng.random(n) < 0.85)
    country = np.where(on_trip, destination[cust], customers.home[cust])
    web = np.isin(category, [vocab.CATEGORY_NAMES.index(c) for c in ("online_retail", "subscription", "travel")])
    abroad_web = web & (rng.random(n) < 0.07)
    web_country = country_indices(("US", "GB", "IE", "NL"))[rng.integers(0, 4, n)]
    return np.where(abroad_web, web_country, country)
