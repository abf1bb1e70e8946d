"""Credit records: a customer as known at a snapshot, written as text.

Fields, most informative first, so that a short max_length (CPU) cuts only the tail: the
free-text notes, the segment, the profile keys a credit modeller reads first (arrears,
utilisation, income, employment, ...) when present, the merchants the customer spends most
with, recent headlines about the customer's company, then every other profile key (whatever
the bank's keys are), sorted. Names are short: every token costs training time on CPU.

Slow text, fast numbers: the behaviour figures that move every day (counts and amounts over
rolling windows, channel shares, news counts) are in `meta["numeric"]`, which the fused
head's tabular part, the tree and PSI read, and not in the text. A customer's text then
changes only when the profile, the notes, the top merchants or the headlines do, so the
encoder's vector of yesterday's text serves today (finrisk.scoring.embedding_store).
"""

from __future__ import annotations

import math
from typing import Any

from finrisk.features.records import Record
from finrisk.features.serialize import format_value, join_values

# behaviour figures: in the tabular vector (and PSI), not in the text (DESIGN: slow text, fast numbers)
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
    "txn_count_14d",
    "atm_count_180d",
    "fee_count_180d",
    "news_negative_90d",
)

# Reason-code groups of the behaviour figures: name -> numeric keys (occluded together, named like a field)
NUMBER_GROUPS = {
    "spend 14d trend": ("txn_count_14d", "activity_drop_14d"),
    "spend 30d": ("txn_count_30d", "txn_amount_30d"),
    "spend 90d": ("txn_count_90d", "txn_amount_90d"),
    "largest spend 180d": ("txn_count_180d", "txn_max_amount_180d"),
    "merchants 180d": ("merchant_count_180d",),
    "spend abroad 180d": ("abroad_share_180d",),
    "cash and fee txns 180d": ("atm_count_180d", "fee_count_180d"),
    "news 90d": ("news_count_90d", "news_negative_90d"),
}

# Profile keys read first when a profile has them; the rest follow sorted by key.
PRIORITY_KEYS = (
    "arrears_24m", "utilisation", "income", "annual_turnover", "employment_status", "employment_years",
    "years_trading", "credit_limit", "housing", "age_band", "dependents",
)


def profile_fields(profile: dict[str, Any] | None, keys: Any = None) -> dict[str, str]:
    """Profile keys as fields (`keys`: which, in order; default every key sorted), underscores as spaces."""
    profile = profile or {}
    chosen = sorted(profile) if keys is None else [k for k in keys if k in profile]
    return {str(k).replace("_", " "): format_value(profile[k]) for k in chosen}


def groups(segment: str | None, profile: dict[str, Any] | None) -> dict[str, str]:
    """Segment and every profile attribute with a short categorical value, for fairness tables."""
    out = {"segment": segment or "unknown"}
    for key, value in (profile or {}).items():
        if isinstance(value, (str, bool)) and len(str(value)) <= 40:
            out[str(key)] = format_value(value)
    return out


def build(row: dict[str, Any]) -> Record:
    """One credit Record from a row of sql/features/credit_features.sql."""
    profile = row["profile"] or {}
    fields: dict[str, str] = {"notes": format_value(row["notes"]), "segment": format_value(row["segment"])}
    fields.update(profile_fields(profile, PRIORITY_KEYS))
    if row["top_merchants"]:
        fields["top merchants"] = join_values(row["top_merchants"], ", ")
    if row["headlines"]:
        fields["headlines"] = join_values(row["headlines"][:3], " | ")
    fields.update(profile_fields(profile, sorted(k for k in profile if k not in PRIORITY_KEYS)))
    numeric = {name: float(row.get(name) or 0) for name in NUMERIC}
    channels = {f"channel_share_{k}": float(v or 0) for k, v in (row["channel_shares"] or {}).items()}
    numeric.update(channels)
    # activity trend: the last 14 days' daily rate against the 166 days before (falling activity is a risk sign)
    prior = max(numeric["txn_count_180d"] - numeric["txn_count_14d"], 0.0) / 166
    numeric["activity_drop_14d"] = math.log((prior + 0.1) / (numeric["txn_count_14d"] / 14 + 0.1))
    meta = {
        "customer_id": row["key"],
        "as_of": row["as_of"],
        "company": row["company"],
        "has_profile": bool(row["has_profile"]),
        "numeric": numeric,
        "number_groups": {**NUMBER_GROUPS, "channels": tuple(channels)} if channels else NUMBER_GROUPS,
        "attributes": {"segment": row["segment"] or "unknown", **(row["profile"] or {})},
        "groups": groups(row["segment"], row["profile"]),
    }
    return Record(key=row["key"], fields=fields, meta=meta)


def synthetic_fields() -> dict[str, str]:
    """A made-up customer for signatures and input examples: no real person's data."""
    return {
        "notes": "synthetic example customer",
        "segment": "retail",
        "income": "42000",
        "employment status": "salaried",
        "top merchants": "Example Grocer, Example Fuel",
    }
