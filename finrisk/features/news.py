"""News records: an article's headline and body."""

from __future__ import annotations

from typing import Any

from finrisk.features.records import Record
from finrisk.features.serialize import format_value


def build(row: dict[str, Any]) -> Record:
    """One news Record from a row of the news examples queries."""
    headline = format_value(row["headline"])
    body = format_value(row["body"])
    companies = row["companies"] if isinstance(row["companies"], list) else []
    meta = {
        "published_at": row["as_of"],
        "companies": companies,
        "numeric": {"headline_chars": float(len(headline)), "body_chars": float(len(body))},
        "attributes": {"source": row.get("source") or "unknown"},
        "groups": {"source": row.get("source") or "unknown"},
        "text_for_baseline": f"{headline}\n{body}",
    }
    return Record(key=row["key"], fields={"headline": headline, "body": body}, meta=meta)


def synthetic_fields() -> dict[str, str]:
    """A made-up article for signatures and input examples."""
    return {"headline": "Example Corp reports quarterly results", "body": "Example Corp published its results today."}
