"""Incremental ingest: idempotent per date, late rows picked up with the right known_at, history kept."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from source_rows import at, customer, good_day, insert, txn

from finrisk.dates import end_of_day as cutoff_for
from finrisk.ingest import TABLES, run_ingest
from finrisk.quality import run_validation

D1 = date(2025, 3, 3)
D2 = D1 + timedelta(days=1)
D3 = D2 + timedelta(days=1)


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"select count(*) from staging.{t}")).scalar() for t in TABLES}


def test_ingest_is_incremental_and_idempotent(settings, engine):
    good_day(engine, D1, n=5)
    good_day(engine, D2, n=3)

    first = run_ingest(settings, D1)
    assert first.rows == {
        "customers": 5,
        "credit_outcomes": 1,
        "transactions": 5,
        "fraud_labels": 1,
        "news_articles": 1,
        "news_labels": 1,
    }
    before = _counts(engine)
    again = run_ingest(settings, D1)
    assert again.total_rows == 0
    assert _counts(engine) == before

    second = run_ingest(settings, D2)
    assert second.rows["transactions"] == 3 and second.rows["customers"] == 3
    with engine.connect() as conn:
        dates = conn.execute(
            sa.text("select ingest_date, count(*) from staging.transactions group by 1 order by 1")
        ).all()
        marks = conn.execute(
            sa.text("select table_name, rows_loaded from ops.ingest_watermarks where run_date = :d order by 1"),
            {"d": D1},
        ).all()
        runs = conn.execute(sa.text("select status, count(*) from ops.ingest_runs group by 1")).all()
        on_time = conn.execute(sa.text("select bool_and(known_at = occurred_at) from staging.transactions")).scalar()
    assert dates == [(D1, 5), (D2, 3)]
    assert dict(marks)["transactions"] == 5  # the idempotent re-run added nothing
    assert runs == [("succeeded", 3)]
    assert on_time


def test_late_rows_are_picked_up_next_run_with_end_of_date_known_at(settings, engine):
    good_day(engine, D1, n=2)
    run_ingest(settings, D1)
    # written into source after D1's run, with an event time inside D1 (already ingested window)
    insert(engine, "transactions", txn("t-late", "c-2025-03-03-0", at(D1, 15)))
    insert(engine, "fraud_labels", {"txn_id": "t-late", "is_fraud": True, "labeled_at": at(D1, 16)})
    # a future-dated row is out of scope until its day
    insert(engine, "transactions", txn("t-d3", "c-2025-03-03-0", at(D3, 1)))
    result = run_ingest(settings, D2)
    assert result.rows["transactions"] == 1 and result.tables["transactions"].late_rows == 1
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("select ingest_date, known_at, occurred_at from staging.transactions where txn_id = 't-late'")
        ).one()
        label_known = conn.execute(
            sa.text("select known_at from staging.fraud_labels where txn_id = 't-late'")
        ).scalar()
        d3 = conn.execute(sa.text("select count(*) from staging.transactions where txn_id = 't-d3'")).scalar()
    assert row.ingest_date == D2
    assert row.known_at == cutoff_for(D2)
    assert row.occurred_at == at(D1, 15)
    assert label_known == cutoff_for(D2)
    assert d3 == 0
    assert run_ingest(settings, D3).rows["transactions"] == 1


def test_customer_history_keeps_every_version(settings, engine):
    insert(engine, "customers", customer("c-1", at(D1, 8), segment="retail"))
    run_ingest(settings, D1)
    with engine.begin() as conn:
        conn.execute(
            sa.text("update source.customers set updated_at = :u, segment = 'private' where customer_id = 'c-1'"),
            {"u": at(D2, 9)},
        )
    run_ingest(settings, D2)
    run_ingest(settings, D2)
    for day in (D1, D2):  # clean rows are the validated ones: the history shows once validation passed them
        run_validation(settings, day)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select segment, valid_from, valid_to from staging.clean_customers where customer_id = 'c-1' "
                "order by valid_from"
            )
        ).all()
    assert [r.segment for r in rows] == ["retail", "private"]
    assert rows[0].valid_to == at(D2, 9) and rows[1].valid_to is None


def test_duplicate_and_null_rows_are_staged_not_lost(settings, engine):
    label = {"txn_id": "t-x", "is_fraud": True, "labeled_at": at(D1, 9)}
    insert(engine, "fraud_labels", label, label, {"txn_id": None, "is_fraud": None, "labeled_at": None})
    insert(engine, "transactions", txn("t-null-time", None, None))
    insert(engine, "news_labels", {"article_id": "a-unknown", "sentiment": "positive"})
    run_ingest(settings, D1)
    run_ingest(settings, D1)
    insert(engine, "fraud_labels", label)  # a third copy arrives later: staged too
    run_ingest(settings, D2)
    with engine.connect() as conn:
        labels = conn.execute(sa.text("select count(*) from staging.fraud_labels where txn_id = 't-x'")).scalar()
        nulls = conn.execute(sa.text("select known_at from staging.fraud_labels where txn_id is null")).all()
        null_time = conn.execute(
            sa.text("select known_at from staging.transactions where txn_id = 't-null-time'")
        ).scalar()
        orphan = conn.execute(sa.text("select count(*) from staging.news_labels")).scalar()
    assert labels == 3
    assert nulls == [(cutoff_for(D1),)]
    assert null_time == cutoff_for(D1)
    assert orphan == 1
