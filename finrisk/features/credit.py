"""Credit records: a customer as known at a snapshot, written as text.

Fields, most informative first, so that a short max_length (CPU) cuts only the tail: the
free-text notes, the segment, the profile keys a credit modeller reads first (arrears,
utilisation, income, employment, ...) when present, transaction behaviour before the
snapshot, recent news about the customer's company, then every other profile key (whatever
the bank's keys are), sorted. Names are short: every token costs training time on CPU.

The spend, merchant, abroad, channel and news-count lines move daily. They stay in the
record's text, so the hashed n-grams (and the baselines) read them, and their numbers are in
`meta["numeric"]`; but they are `WIDE_ONLY`: the fused model's encoder does not read them, so a
customer's encoder text, and its stored vector, survive from one night to the next (DESIGN:
slow text, fast numbers). Taking them out of the text altogether cost the fused credit model
0.024 holdout AUC on the demo (0.760 against 0.784 over three seeds, `bench/seeds.py`), below
its LR and HGB baselines; the README's Models section has the figures of this split.
Fraud text is slow (finrisk.features.fraud).
"""

from __future__ import annotations

import math
from typing import Any

from finrisk.features.protected import InputPolicy, current_policy
from finrisk.features.records import Record
from finrisk.features.serialize import format_value, join_values

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
    # fast behaviour figures: in the tabular vector (and PSI), not in the text (DESIGN: slow text, fast numbers)
    "txn_count_14d",
    "atm_count_180d",
    "fee_count_180d",
    "news_negative_90d",
)

# Reason-code groups of the behaviour figures: name -> numeric keys, occluded together; a group named like a text
# field is left out with it (the line and its numbers), the others stand for figures that are numbers only
NUMBER_GROUPS = {
    "spend 30d": ("txn_count_30d", "txn_amount_30d"),
    "spend 90d": ("txn_count_90d", "txn_amount_90d"),
    "largest 180d": ("txn_count_180d", "txn_max_amount_180d"),
    "merchants 180d": ("merchant_count_180d",),
    "abroad 180d": ("abroad_share_180d",),
    "news 90d": ("news_count_90d", "news_negative_90d"),
    "spend 14d trend": ("txn_count_14d", "activity_drop_14d"),
    "cash and fee txns 180d": ("atm_count_180d", "fee_count_180d"),
}

# Lines that move daily: in the text the n-grams read, not in the encoder's (FusedModel.encoder_texts)
WIDE_ONLY = ("spend 30d", "spend 90d", "largest 180d", "merchants 180d", "abroad 180d", "channels", "news 90d")

# Profile keys read first when a profile has them; the rest follow sorted by key.
PRIORITY_KEYS = (
    "arrears_24m",
    "utilisation",
    "income",
    "annual_turnover",
    "employment_status",
    "employment_years",
    "years_trading",
    "credit_limit",
    "housing",
    "age_band",
    "dependents",
)


def _amount(value: Any) -> str:
    return format_value(round(float(value or 0)))


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


def build(row: dict[str, Any], policy: InputPolicy | None = None) -> Record:
    """One credit Record from a row of sql/features/credit_features.sql.

    Protected attributes and proxies (`policy`, default the settings') are measured, not used: they are
    left out of the text and the tabular attributes (unless counsel permits them) and kept in
    `meta["protected"]` and `meta["groups"]` for fairness measurement and the proxy screen."""
    policy = policy or current_policy()
    raw_profile = row["profile"] or {}
    protected = {str(k): v for k, v in raw_profile.items() if policy.is_sensitive(k)}
    profile = {k: v for k, v in raw_profile.items() if not policy.withholds(k)}
    fields: dict[str, str] = {"notes": format_value(row["notes"]), "segment": format_value(row["segment"])}
    fields.update(profile_fields(profile, PRIORITY_KEYS))
    fields["spend 30d"] = f"{row['txn_count_30d']} txns {_amount(row['txn_amount_30d'])}"
    fields["spend 90d"] = f"{row['txn_count_90d']} txns {_amount(row['txn_amount_90d'])}"
    fields["largest 180d"] = _amount(row["txn_max_amount_180d"])
    fields["merchants 180d"] = format_value(row["merchant_count_180d"])
    fields["abroad 180d"] = f"{round(100 * float(row['abroad_share_180d']))}%"
    if row["channel_shares"]:
        fields["channels"] = ", ".join(f"{k} {round(100 * float(v))}%" for k, v in row["channel_shares"].items())
    if row["top_merchants"]:
        fields["top merchants"] = join_values(row["top_merchants"], ", ")
    fields["news 90d"] = format_value(row["news_count_90d"])
    if row["headlines"]:
        fields["headlines"] = join_values(row["headlines"][:3], " | ")
    fields.update(profile_fields(profile, sorted(k for k in profile if k not in PRIORITY_KEYS)))
    numeric = {name: float(row.get(name) or 0) for name in NUMERIC}
    # activity trend: the last 14 days' daily rate against the 166 days before (falling activity is a risk sign)
    prior = max(numeric["txn_count_180d"] - numeric["txn_count_14d"], 0.0) / 166
    numeric["activity_drop_14d"] = math.log((prior + 0.1) / (numeric["txn_count_14d"] / 14 + 0.1))
    meta = {
        "customer_id": row["key"],
        "as_of": row["as_of"],
        "company": row["company"],
        "has_profile": bool(row["has_profile"]),
        "numeric": numeric,
        "number_groups": NUMBER_GROUPS,
        "wide_only": WIDE_ONLY,
        "attributes": {"segment": row["segment"] or "unknown", **profile},
        "groups": {**groups(row["segment"], raw_profile), **{k: format_value(v) for k, v in protected.items()}},
        "protected": protected,
    }
    return Record(key=row["key"], fields=fields, meta=meta)


def synthetic_fields() -> dict[str, str]:
    """A made-up customer for signatures and input examples: no real person's data."""
    return {
        "notes": "synthetic example customer",
        "segment": "retail",
        "income": "42000",
        "employment status": "salaried",
        "spend 30d": "12 txns 831",
        "spend 90d": "35 txns 2400",
        "news 90d": "0",
    }
