"""Fraud records: a transaction and the behaviour windows as of the moment it happened.

Slow text, fast numbers: the text is what names the transaction (merchant, description,
channel, country, currency), which repeats across transactions and days; the amount, the
hour, the customer's windows, the new-merchant and new-country flags and the merchant's
fraud rate are in `meta["numeric"]` (the fused head's tabular part, the tree, PSI). The
encoder then runs once per distinct text, not once per transaction
(finrisk.scoring.embedding_store).
"""

from __future__ import annotations

from typing import Any

from finrisk.features.credit import groups
from finrisk.features.records import Record
from finrisk.features.serialize import format_value

NUMERIC = (
    "amount",
    "cust_count_1d",
    "cust_amount_1d",
    "cust_count_7d",
    "cust_amount_7d",
    "cust_count_30d",
    "cust_amount_30d",
    "is_new_merchant",
    "is_new_country",
    "merchant_fraud_rate_90d",
    "merchant_labels_90d",
    "hour",
)

# Reason-code groups of the numbers: name -> numeric keys (occluded together, named like a field)
NUMBER_GROUPS = {
    "amount": ("amount",),
    "transaction hour": ("hour",),
    "customer transactions last 1 day": ("cust_count_1d", "cust_amount_1d"),
    "customer transactions last 7 days": ("cust_count_7d", "cust_amount_7d"),
    "customer transactions last 30 days": ("cust_count_30d", "cust_amount_30d"),
    "new merchant for customer": ("is_new_merchant",),
    "new country for customer": ("is_new_country",),
    "merchant confirmed fraud rate 90 days": ("merchant_fraud_rate_90d", "merchant_labels_90d"),
}


def build(row: dict[str, Any]) -> Record:
    """One fraud Record from a row of sql/features/fraud_features.sql."""
    labelled = int(row["merchant_labels_90d"] or 0)
    rate = (int(row["merchant_frauds_90d"] or 0) / labelled) if labelled else 0.0
    occurred = row["occurred_at"]
    fields = {
        "merchant": format_value(row["merchant"]),
        "description": format_value(row["description"]),
        "channel": format_value(row["channel"]),
        "country": format_value(row["country"]),
        "currency": format_value(row["currency"]),
    }
    values = dict(
        row,
        merchant_fraud_rate_90d=rate,
        merchant_labels_90d=labelled,
        hour=occurred.hour if occurred is not None else 0,
    )
    numeric = {name: float(values[name] or 0) for name in NUMERIC}
    attributes = {
        "channel": row["channel"] or "unknown",
        "currency": row["currency"] or "unknown",
        "segment": row["segment"] or "unknown",
    }
    meta = {
        "customer_id": row["customer_id"],
        "occurred_at": occurred,
        "numeric": numeric,
        "number_groups": NUMBER_GROUPS,
        "attributes": attributes,
        "groups": groups(row["segment"], row["profile"]),
    }
    return Record(key=row["key"], fields=fields, meta=meta)


def synthetic_fields() -> dict[str, str]:
    """A made-up transaction for signatures and input examples."""
    return {
        "merchant": "Example Store",
        "description": "card purchase",
        "channel": "online",
        "country": "DE",
        "currency": "EUR",
    }
