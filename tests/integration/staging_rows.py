"""Small synthetic staging data, inserted directly into staging.* (no demo generator, no ingest).

`insert(conn, table, rows)` writes rows with point-in-time metadata: `known_at` defaults to
the row's event time and `ingest_date` to its date; the rows count as validated (as if a passed
validation run had seen them), so the clean views read them. `build_dataset` makes a small data set with
real signal for all three models: risky customers default more, have worse notes and bet at a
casino; fraud is foreign, large and at gift-card shops; headlines carry their sentiment.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

UTC = UTC
EVENT_TIME = {
    "customers": "updated_at",
    "transactions": "occurred_at",
    "fraud_labels": "labeled_at",
    "news_articles": "published_at",
    "credit_outcomes": "snapshot_date",
}


def _as_dt(value) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def insert(conn, table: str, rows: list[dict]) -> None:
    """Insert rows into staging.<table>, filling known_at and ingest_date from the event time."""
    if not rows:
        return
    prepared = []
    for row in rows:
        row = dict(row)
        event = row.get(EVENT_TIME.get(table, ""))
        known = row.setdefault("known_at", _as_dt(event) if event is not None else datetime(2024, 1, 1, tzinfo=UTC))
        row.setdefault("ingest_date", known.date())
        for key in ("profile", "companies"):
            if key in row and not isinstance(row[key], str):
                row[key] = json.dumps(row[key])
        prepared.append(row)
    columns = list(prepared[0])
    values = ", ".join(f"cast(:{c} as jsonb)" if c in ("profile", "companies") else f":{c}" for c in columns)
    conn.execute(sa.text(f"insert into staging.{table} ({', '.join(columns)}) values ({values})"), prepared)
    # rows planted here stand for rows a passed validation run has seen (the clean views read only those)
    conn.execute(
        sa.text(f"""
        insert into quality.validated_batches as v (table_name, ingest_date, max_row_id, run_id)
        select 'staging.{table}', ingest_date, max(row_id), 'planted-by-test' from staging.{table}
        where ingest_date = any(:dates) group by ingest_date
        on conflict (table_name, ingest_date) do update set max_row_id = greatest(v.max_row_id, excluded.max_row_id)
    """),
        {"dates": sorted({r["ingest_date"] for r in prepared})},
    )


def customer(
    cid: str, updated_at: datetime, *, segment="retail", company=None, profile=None, notes="", **extra
) -> dict:
    """One customer version row."""
    return dict(
        customer_id=cid,
        updated_at=updated_at,
        segment=segment,
        company=company,
        profile=profile or {},
        notes=notes,
        **extra,
    )


def txn(
    tid: str,
    cid: str,
    occurred_at: datetime,
    amount: float,
    merchant="Grocer",
    *,
    country="DE",
    channel="pos",
    description="card purchase",
    currency="EUR",
    **extra,
) -> dict:
    """One transaction row."""
    return dict(
        txn_id=tid,
        customer_id=cid,
        occurred_at=occurred_at,
        amount=amount,
        currency=currency,
        merchant=merchant,
        description=description,
        channel=channel,
        country=country,
        **extra,
    )


def build_dataset(conn, n_customers: int = 120, seed: int = 0, start: date = date(2024, 1, 1)) -> dict:
    """A small data set with signal for credit, fraud and news; returns counts."""
    rng = random.Random(seed)
    t0 = _as_dt(start)
    customers, outcomes, txns, labels, articles, sentiments = [], [], [], [], [], []
    companies = [f"Company {c}" for c in "ABCDEFGH"]
    for i in range(n_customers):
        cid = f"C{i:04d}"
        risky = rng.random() < 0.35
        company = rng.choice(companies)
        profile = {
            "age_band": rng.choice(["18-30", "31-50", "51+"]),
            "employment": "unemployed" if risky and rng.random() < 0.6 else rng.choice(["salaried", "self-employed"]),
            "income": rng.randint(12, 30) * 1000 if risky else rng.randint(30, 90) * 1000,
        }
        notes = "missed several payments, overdraft limit exceeded" if risky else "pays on time, stable account"
        customers.append(
            customer(
                cid,
                t0 + timedelta(days=rng.randint(0, 10)),
                segment=rng.choice(["retail", "sme"]),
                company=company,
                profile=profile,
                notes=notes,
            )
        )
        # Transactions over the year; risky customers gamble.
        for k in range(6):
            when = t0 + timedelta(days=15 + rng.randint(0, 330), hours=rng.randint(8, 20))
            merchant = (
                "LuckyBet Casino"
                if risky and rng.random() < 0.6
                else rng.choice(["Grocer", "Fuel Station", "Bookshop"])
            )
            txns.append(txn(f"T{i:04d}{k}", cid, when, round(rng.uniform(5, 200), 2), merchant))
        snapshot = start + timedelta(days=30 * rng.randint(2, 11))
        defaulted = rng.random() < (0.75 if risky else 0.08)
        outcomes.append(
            dict(
                customer_id=cid,
                snapshot_date=snapshot,
                defaulted=defaulted,
                known_at=_as_dt(snapshot) + timedelta(days=365),
            )
        )
    # Fraud: labelled transactions, fraud is foreign, big and at a gift-card shop.
    for j in range(max(40, n_customers)):
        cid = f"C{rng.randrange(n_customers):04d}"
        when = t0 + timedelta(days=20 + j * 330 / max(40, n_customers), minutes=rng.randint(0, 600))
        is_fraud = rng.random() < 0.2
        tid = f"F{j:05d}"
        if is_fraud:
            txns.append(
                txn(
                    tid,
                    cid,
                    when,
                    round(rng.uniform(400, 900), 2),
                    "QuickGift Cards",
                    country="NG",
                    channel="online",
                    description="gift card voucher",
                )
            )
        else:
            txns.append(txn(tid, cid, when, round(rng.uniform(5, 150), 2), rng.choice(["Grocer", "Bookshop"])))
        labels.append(dict(txn_id=tid, is_fraud=is_fraud, labeled_at=when + timedelta(days=3)))
    # News: the headline carries the sentiment.
    words = {
        "negative": ["faces lawsuit and heavy losses", "warns of bankruptcy", "fined for fraud"],
        "neutral": ["holds annual meeting", "appoints new board member", "moves headquarters"],
        "positive": ["reports record profit", "wins major contract", "raises dividend"],
    }
    for a in range(max(60, n_customers // 2)):
        sentiment = rng.choice(list(words))
        company = rng.choice(companies)
        when = t0 + timedelta(days=5 + a * 340 / max(60, n_customers // 2))
        aid = f"N{a:05d}"
        articles.append(
            dict(
                article_id=aid,
                published_at=when,
                source="Wire",
                companies=[company],
                headline=f"{company} {rng.choice(words[sentiment])}",
                body=f"{company} news item {a}.",
            )
        )
        sentiments.append(dict(article_id=aid, sentiment=sentiment, known_at=when + timedelta(hours=1)))
    insert(conn, "customers", customers)
    insert(conn, "credit_outcomes", outcomes)
    insert(conn, "transactions", txns)
    insert(conn, "fraud_labels", labels)
    insert(conn, "news_articles", articles)
    insert(conn, "news_labels", sentiments)
    return {
        "customers": len(customers),
        "outcomes": len(outcomes),
        "transactions": len(txns),
        "articles": len(articles),
    }


def stage_credit_night(conn, day: date, rows: dict[str, dict], run_id: str, cutoffs) -> None:
    """Stage one hand-made night of credit scores (no model): rows = customer -> {pd, reasons, inputs} (the
    last two optional); each band from `cutoffs`, one batch of version 1 for all three models."""
    from finrisk.bands import risk_band

    conn.execute(
        sa.text("""
        insert into risk_stage.batches (score_date, shard_index, shard_count, run_id, credit_model_version,
            fraud_model_version, news_model_version, customers_scored, transactions_scored, articles_scored,
            model_versions, model_counts, staged_at)
        values (:d, 0, 1, :r, '1', '1', '1', :n, 0, 0, '{"credit": "1", "fraud": "1", "news": "1"}'::jsonb,
            jsonb_build_object('credit', :n, 'fraud', 0, 'news', 0), now())"""),
        {"d": day, "r": run_id, "n": len(rows)},
    )
    conn.execute(
        sa.text("""
        insert into risk_stage.credit_scores (run_id, score_date, customer_id, pd_12m, score_points, risk_band,
            reason_codes, numeric_inputs, company, model_version)
        values (:r, :d, :c, :p, 600, :b, cast(:rc as jsonb), cast(:ni as jsonb), null, '1')"""),
        [
            {
                "r": run_id,
                "d": day,
                "c": cid,
                "p": row["pd"],
                "b": risk_band(row["pd"], cutoffs),
                "rc": json.dumps(row.get("reasons", [])),
                "ni": json.dumps(row.get("inputs", {})),
            }
            for cid, row in rows.items()
        ],
    )
