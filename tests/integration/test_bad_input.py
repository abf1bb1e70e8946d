"""Malformed source rows: no run crashes, no row is lost, text is kept byte for byte."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from source_rows import article, at, customer, good_day, insert, txn

from finrisk.ingest import TABLES, run_ingest
from finrisk.quality import run_validation

D = date(2025, 6, 2)
INJECTION = "'; drop table source.customers; --"
CONTROL = "tab\there\r\nbell\x07 esc\x1b del\x7f \u200b zero-width \u202e rtl-override"
MIXED = "Привет مرحبا 👋🏽 日本語 e\u0301 Ω"
MEGABYTE = ("ünïcødé-" * 131_072)[:1_048_576]


def test_bad_rows_are_quarantined_or_pass_and_none_is_lost(settings, engine):
    good_day(engine, D, n=3)
    insert(
        engine,
        "customers",
        customer("c-inject", at(D), notes=INJECTION, company=INJECTION),
        customer("c-weird", at(D), notes=CONTROL + MIXED, profile={"nickname": MIXED, "memo": CONTROL}),
        customer("c-array", at(D), profile=["not", "an", "object"]),
        customer("c-string", at(D), profile="just a string"),
    )
    insert(
        engine,
        "transactions",
        txn("t-inject", "c-inject", at(D), description=INJECTION, merchant=INJECTION),
        txn("t-weird", "c-weird", at(D), description=MIXED, merchant=CONTROL),
        txn("t-empty", "c-weird", at(D), description=""),
        txn("t-neg", "c-weird", at(D), amount=-1),
        txn("t-absurd", "c-weird", at(D), amount=10**15),
        txn("t-ccy", "c-weird", at(D), currency="DOGE"),
        txn("t-nullkey", None, at(D)),
        txn("t-future", "c-weird", at(D + timedelta(days=400))),
    )
    dup = {"txn_id": "t-neg", "is_fraud": True, "labeled_at": at(D, 18)}
    insert(engine, "fraud_labels", dup, dup, {"txn_id": None, "is_fraud": None, "labeled_at": None})
    insert(
        engine,
        "news_articles",
        article("a-mega", at(D), body=MEGABYTE),
        article("a-weird", at(D), headline=MIXED, body=CONTROL + INJECTION),
        article("a-empty", at(D), headline="", body=""),
        article("a-companies", at(D), companies="Acme AG"),
    )
    insert(engine, "news_labels", {"article_id": "a-weird", "sentiment": INJECTION})

    ingest = run_ingest(settings, D)
    report = run_validation(settings, D)

    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from source.customers")).scalar() == 7  # injection inert
        # byte for byte, through ingest and into the raw quarantine copy
        assert (
            conn.execute(sa.text("select body from staging.news_articles where article_id = 'a-mega'")).scalar()
            == MEGABYTE
        )
        assert (
            conn.execute(sa.text("select notes from staging.customers where customer_id = 'c-weird'")).scalar()
            == CONTROL + MIXED
        )
        assert conn.execute(
            sa.text("select profile from staging.customers where customer_id = 'c-weird'")
        ).scalar() == {"nickname": MIXED, "memo": CONTROL}
        assert (
            conn.execute(sa.text("select merchant from staging.transactions where txn_id = 't-weird'")).scalar()
            == CONTROL
        )
        assert (
            conn.execute(sa.text("select description from staging.transactions where txn_id = 't-inject'")).scalar()
            == INJECTION
        )
        assert (
            conn.execute(sa.text("select headline from staging.news_articles where article_id = 'a-weird'")).scalar()
            == MIXED
        )
        assert (
            conn.execute(sa.text("select description from staging.transactions where txn_id = 't-empty'")).scalar()
            == ""
        )
        assert (
            conn.execute(sa.text("select raw_row ->> 'body' from quality.quarantine where row_key = 'a-mega'")).scalar()
            == MEGABYTE
        )
        quarantined = {
            (r.row_key, r.expectation)
            for r in conn.execute(sa.text("select row_key, expectation from quality.quarantine"))
        }
        # nothing lost: every source row in the window is staged, and every staged row is clean or quarantined
        for table in TABLES:
            staged = conn.execute(sa.text(f"select count(*) from staging.{table}")).scalar()
            clean = conn.execute(sa.text(f"select count(*) from staging.clean_{table}")).scalar()
            held = conn.execute(
                sa.text("select count(distinct row_id) from quality.quarantine where table_name = :t"),
                {"t": f"staging.{table}"},
            ).scalar()
            assert staged == clean + held, table
        assert (
            conn.execute(
                sa.text("select count(*) from staging.clean_news_articles where article_id = 'a-weird'")
            ).scalar()
            == 1
        )
        future_in_source = conn.execute(
            sa.text("select count(*) from source.transactions where txn_id = 't-future'")
        ).scalar()

    assert ingest.rows["transactions"] == 3 + 7  # the future-dated one waits in source for its day
    assert future_in_source == 1
    expected = {
        ("c-array|2025-06-02 12:00:00+00", "unexpected_rows_expectation(profile_is_object)"),
        ("c-string|2025-06-02 12:00:00+00", "unexpected_rows_expectation(profile_is_object)"),
        ("t-neg", "expect_column_values_to_be_between(amount)"),
        ("t-absurd", "expect_column_values_to_be_between(amount)"),
        ("t-ccy", "expect_column_values_to_be_in_set(currency)"),
        ("t-nullkey", "expect_column_values_to_not_be_null(customer_id)"),
        ("t-neg|2025-06-02 18:00:00+00", "expect_compound_columns_to_be_unique(txn_id,labeled_at)"),
        ("", "expect_column_values_to_not_be_null(txn_id)"),
        ("a-mega", "expect_column_value_lengths_to_be_between(body)"),
        ("a-empty", "expect_column_value_lengths_to_be_between(headline)"),
        ("a-companies", "unexpected_rows_expectation(companies_is_array)"),
        ("a-weird", "expect_column_values_to_be_in_set(sentiment)"),
    }
    assert expected <= quarantined, expected - quarantined
    passed = {"c-inject", "c-weird", "t-inject", "t-weird", "t-empty"}  # a-weird's label is bad, the article is not
    assert not {k for k, _ in quarantined if k.split("|")[0] in passed}
    assert report.tables["transactions"].quarantined_rows == 4


def test_far_future_row_is_staged_on_its_day(settings, engine):
    good_day(engine, D, n=2)
    insert(engine, "transactions", txn("t-later", "c-2025-06-02-0", at(D + timedelta(days=2))))
    run_ingest(settings, D)
    run_validation(settings, D)
    later = D + timedelta(days=2)
    assert run_ingest(settings, later).rows["transactions"] == 1
    with engine.connect() as conn:
        known = conn.execute(sa.text("select known_at from staging.transactions where txn_id = 't-later'")).scalar()
    assert known == at(later)
