"""Fraud records: a transaction and the behaviour windows as of the moment it happened."""

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
)


def build(row: dict[str, Any]) -> Record:
    """One fraud Record from a row of sql/features/fraud_features.sql."""
    labelled = int(row["merchant_labels_90d"] or 0)
    rate = (int(row["merchant_frauds_90d"] or 0) / labelled) if labelled else 0.0
    occurred = row["occurred_at"]
    fields = {
        "amount": f"{format_value(row['amount'])} {row['currency'] or ''}".strip(),
        "merchant": format_value(row["merchant"]),
        "description": format_value(row["description"]),
        "channel": format_value(row["channel"]),
        "country": format_value(row["country"]),
        "hour": f"{occurred.hour:02d}" if occurred is not None else "",
        "customer transactions last 1 day": f"{row['cust_count_1d']} totalling {format_value(row['cust_amount_1d'])}",
        "customer transactions last 7 days": f"{row['cust_count_7d']} totalling {format_value(row['cust_amount_7d'])}",
        "customer transactions last 30 days": f"{row['cust_count_30d']} totalling {format_value(row['cust_amount_30d'])}",
        "new merchant for customer": format_value(bool(row["is_new_merchant"])),
        "new country for customer": format_value(bool(row["is_new_country"])),
        "merchant confirmed fraud rate 90 days": f"{round(100 * rate)}% of {labelled} labelled",
    }
    values = dict(row, merchant_fraud_rate_90d=rate)
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
        "attributes": attributes,
        "groups": groups(row["segment"], row["profile"]),
    }
    return Record(key=row["key"], fields=fields, meta=meta)


def synthetic_fields() -> dict[str, str]:
    """A made-up transaction for signatures and input examples."""
    return {
        "amount": "49.90 EUR",
        "merchant": "Example Store",
        "description": "card purchase",
        "channel": "online",
        "country": "DE",
        "customer transactions last 1 day": "1 totalling 12",
        "new merchant for customer": "no",
    }
