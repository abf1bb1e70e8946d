"""Turn generated transaction arrays into the source.transactions and source.fraud_labels frames.

Rows are ordered by time (then customer) and numbered T000000001, ... in that order, so
ids are stable for a seed. Descriptions are built once per distinct (merchant, channel,
country, city) and gathered by index, which keeps millions of rows cheap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from finrisk.demo import vocab
from finrisk.demo.common import ids, iso_times
from finrisk.demo.transactions import COUNTRY_CCY, CURRENCIES, Txns

_CITY_COUNTS = np.array([len(vocab.CITIES[c]) for c in vocab.COUNTRIES])
_CITY_SLOTS = 4


def order_by_time(txns: Txns) -> Txns:
    """The transactions sorted by time, then customer (stable, so deterministic)."""
    return txns.take(np.lexsort((txns.cust, txns.t)))


def transactions_frame(txns: Txns, customer_ids: np.ndarray) -> pd.DataFrame:
    """source.transactions rows for time-ordered transactions."""
    n = len(txns)
    ccy = COUNTRY_CCY[txns.country]
    fx = np.array([vocab.FX_PER_EUR[c] for c in CURRENCIES])[ccy]
    local = txns.amount_eur * fx
    local = np.where(txns.category == vocab.CASH, np.maximum(np.round(local, -1), 10), local)
    whole = np.array([c == "JPY" for c in CURRENCIES])[ccy]
    amount = np.where(whole, np.round(local), np.round(local, 2))
    amount = np.maximum(amount, np.where(whole, 1.0, 0.01))
    return pd.DataFrame(
        {
            "txn_id": ids("T", n, 9),
            "customer_id": customer_ids[txns.cust],
            "occurred_at": iso_times(txns.t),
            "amount": amount,
            "currency": np.array(CURRENCIES, dtype=object)[ccy],
            "merchant": np.array(vocab.merchant_table()[0], dtype=object)[txns.merchant],
            "description": _descriptions(txns),
            "channel": np.array(vocab.CHANNELS, dtype=object)[txns.channel],
            "country": np.array(vocab.COUNTRIES, dtype=object)[txns.country],
        }
    )


def _descriptions(txns: Txns) -> np.ndarray:
    """Statement text like 'CONTACTLESS REWE BERLIN' or 'LATE PAYMENT FEE'."""
    slot = (txns.cust * 31 + txns.merchant) % _CITY_SLOTS
    fee = txns.category == vocab.FEES
    code = (
        (txns.merchant * len(vocab.CHANNELS) + txns.channel) * len(vocab.COUNTRIES) + txns.country
    ) * _CITY_SLOTS + slot
    code = np.where(fee, -1 - slot, code)
    unique, inverse = np.unique(code, return_inverse=True)
    names = vocab.merchant_table()[0]
    texts = np.empty(len(unique), dtype=object)
    for i, c in enumerate(unique.tolist()):
        if c < 0:
            texts[i] = vocab.FEE_DESCRIPTIONS[(-1 - c) % len(vocab.FEE_DESCRIPTIONS)]
            continue
        rest, s = divmod(c, _CITY_SLOTS)
        rest, country = divmod(rest, len(vocab.COUNTRIES))
        merchant, channel = divmod(rest, len(vocab.CHANNELS))
        code_name = vocab.COUNTRIES[country]
        city = vocab.CITIES[code_name][s % _CITY_COUNTS[country]]
        prefix = vocab.DESCRIPTION_PREFIX[vocab.CHANNELS[channel]]
        place = code_name if vocab.CHANNELS[channel] == "online" else city
        texts[i] = f"{prefix} {names[merchant]} {place}"
    return texts[inverse.reshape(-1)]


def fraud_labels_frame(
    txn_ids: np.ndarray, positions: np.ndarray, is_fraud: np.ndarray, labeled_at: np.ndarray
) -> pd.DataFrame:
    """source.fraud_labels rows, in transaction order."""
    return pd.DataFrame(
        {
            "txn_id": txn_ids[positions],
            "is_fraud": is_fraud.astype(bool),
            "labeled_at": iso_times(labeled_at),
        }
    )
