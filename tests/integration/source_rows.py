"""Small helpers that write rows into source.* for ingest and validation tests (no demo generator)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

COLUMNS = {
    "customers": ("customer_id", "updated_at", "segment", "company", "profile", "notes"),
    "credit_outcomes": ("customer_id", "snapshot_date", "defaulted"),
    "transactions": (
        "txn_id",
        "customer_id",
        "occurred_at",
        "amount",
        "currency",
        "merchant",
        "description",
        "channel",
        "country",
    ),
    "fraud_labels": ("txn_id", "is_fraud", "labeled_at"),
    "news_articles": ("article_id", "published_at", "source", "headline", "body", "companies"),
    "news_labels": ("article_id", "sentiment"),
}
_JSON = {"profile", "companies"}


def at(day: date, hour: int = 12) -> datetime:
    """A UTC timestamp on a day."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def customer(cid: str, updated_at: datetime, **kw: Any) -> dict:
    return {
        "customer_id": cid,
        "updated_at": updated_at,
        "segment": "retail",
        "company": "Acme AG",
        "profile": {"age_band": "30-39", "income": 52000},
        "notes": "pays on time",
        **kw,
    }


def txn(tid: str, cid: str, occurred_at: datetime | None, **kw: Any) -> dict:
    return {
        "txn_id": tid,
        "customer_id": cid,
        "occurred_at": occurred_at,
        "amount": 42.5,
        "currency": "EUR",
        "merchant": "m-1",
        "description": "coffee",
        "channel": "pos",
        "country": "DE",
        **kw,
    }


def article(aid: str, published_at: datetime | None, **kw: Any) -> dict:
    return {
        "article_id": aid,
        "published_at": published_at,
        "source": "wire",
        "headline": "Acme beats estimates",
        "body": "Acme AG reported strong results.",
        "companies": ["Acme AG"],
        **kw,
    }


def insert(engine: sa.Engine, table: str, *rows: dict) -> None:
    """Insert rows (dicts keyed by column) into source.<table>; JSON columns take any JSON value."""
    cols = COLUMNS[table]
    values = ", ".join(f"cast(:{c} as jsonb)" if c in _JSON else f":{c}" for c in cols)
    stmt = sa.text(f"insert into source.{table} ({', '.join(cols)}) values ({values})")
    params = []
    for row in rows:
        p = {c: row.get(c) for c in cols}
        for c in _JSON & set(cols):
            p[c] = None if p[c] is None else json.dumps(p[c], ensure_ascii=False)
        params.append(p)
    with engine.begin() as conn:
        conn.execute(stmt, params)


def good_day(engine: sa.Engine, day: date, n: int = 10, prefix: str | None = None) -> None:
    """A plausible day of source data: n customers and transactions, a label, an article and its label."""
    p = prefix or day.isoformat()
    insert(engine, "customers", *[customer(f"c-{p}-{i}", at(day, 8)) for i in range(n)])
    insert(engine, "transactions", *[txn(f"t-{p}-{i}", f"c-{p}-{i}", at(day, 10)) for i in range(n)])
    insert(engine, "fraud_labels", {"txn_id": f"t-{p}-0", "is_fraud": False, "labeled_at": at(day, 20)})
    insert(engine, "credit_outcomes", {"customer_id": f"c-{p}-0", "snapshot_date": day, "defaulted": False})
    insert(engine, "news_articles", article(f"a-{p}", at(day, 9)))
    insert(engine, "news_labels", {"article_id": f"a-{p}", "sentiment": "positive"})


def stage(engine: sa.Engine, table: str, run_date: date, *rows: dict) -> None:
    """Plant rows straight into staging.<table> for run_date (for states ingest itself never produces)."""
    cols = COLUMNS[table]
    values = ", ".join(f"cast(:{c} as jsonb)" if c in _JSON else f":{c}" for c in cols)
    stmt = sa.text(
        f"insert into staging.{table} ({', '.join(cols)}, ingest_date, known_at) "
        f"values ({values}, :ingest_date, :known_at)"
    )
    known = datetime(run_date.year, run_date.month, run_date.day, 23, tzinfo=UTC)
    params = []
    for row in rows:
        p = {c: row.get(c) for c in cols} | {"ingest_date": run_date, "known_at": known}
        for c in _JSON & set(cols):
            p[c] = None if p[c] is None else json.dumps(p[c], ensure_ascii=False)
        params.append(p)
    with engine.begin() as conn:
        conn.execute(stmt, params)
