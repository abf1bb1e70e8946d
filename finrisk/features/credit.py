"""Credit records: a customer as known at a snapshot, written as text.

Fields, in order: segment, every profile key (whatever the bank's keys are), transaction
behaviour before the snapshot, recent news about the customer's company, then the free-text
notes last (the longest field, so truncation cuts it first).
"""

from __future__ import annotations

from typing import Any

from finrisk.features.records import Record
from finrisk.features.serialize import format_value

NUMERIC = (
    "txn_count_30d",
    "txn_amount_30d",
    "txn_count_90d",
    "txn_amount_90d",
    "txn_count_180d",
    "txn_max_amount_180d",
    "merchant_count_180d",
    "abroad_share_180d",
    "news_count_90d",
)


def profile_fields(profile: dict[str, Any] | None) -> dict[str, str]:
    """Every profile key as a field, sorted by key so the text is stable across versions."""
    return {str(k): format_value(v) for k, v in sorted((profile or {}).items())}


def groups(segment: str | None, profile: dict[str, Any] | None) -> dict[str, str]:
    """Segment and every profile attribute with a short categorical value, for fairness tables."""
    out = {"segment": segment or "unknown"}
    for key, value in (profile or {}).items():
        if isinstance(value, (str, bool)) and len(str(value)) <= 40:
            out[str(key)] = format_value(value)
    return out


def build(row: dict[str, Any]) -> Record:
    """One credit Record from a row of sql/features/credit_features.sql."""
    fields: dict[str, str] = {"segment": format_value(row["segment"])}
    fields.update(profile_fields(row["profile"]))
    fields["transactions last 30 days"] = f"{row['txn_count_30d']} totalling {format_value(row['txn_amount_30d'])}"
    fields["transactions last 90 days"] = f"{row['txn_count_90d']} totalling {format_value(row['txn_amount_90d'])}"
    fields["largest transaction 180 days"] = format_value(row["txn_max_amount_180d"])
    fields["distinct merchants 180 days"] = format_value(row["merchant_count_180d"])
    fields["share abroad 180 days"] = f"{round(100 * float(row['abroad_share_180d']))}%"
    if row["channel_shares"]:
        fields["channels"] = ", ".join(f"{k} {round(100 * float(v))}%" for k, v in row["channel_shares"].items())
    if row["top_merchants"]:
        fields["top merchants"] = ", ".join(row["top_merchants"])
    fields["news articles 90 days"] = format_value(row["news_count_90d"])
    if row["headlines"]:
        fields["latest headlines"] = " | ".join(row["headlines"][:3])
    fields["notes"] = format_value(row["notes"])
    numeric = {name: float(row[name] or 0) for name in NUMERIC}
    meta = {
        "customer_id": row["key"],
        "as_of": row["as_of"],
        "company": row["company"],
        "has_profile": bool(row["has_profile"]),
        "numeric": numeric,
        "attributes": {"segment": row["segment"] or "unknown", **(row["profile"] or {})},
        "groups": groups(row["segment"], row["profile"]),
    }
    return Record(key=row["key"], fields=fields, meta=meta)


def synthetic_fields() -> dict[str, str]:
    """A made-up customer for signatures and input examples: no real person's data."""
    return {
        "segment": "retail",
        "employment": "salaried",
        "income": "42000",
        "transactions last 30 days": "12 totalling 830.50",
        "transactions last 90 days": "35 totalling 2400",
        "news articles 90 days": "0",
        "notes": "synthetic example customer",
    }
