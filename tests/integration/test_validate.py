"""Validation: every expectation catches a planted bad row (quarantined with its reason), runs are
recorded, Data Docs are written, re-runs add nothing, and batch-level failures stop the run."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from pgtools import _drop, _url_for
from source_rows import article, at, customer, good_day, insert, stage, txn

from finrisk.config import Settings
from finrisk.errors import FinriskError
from finrisk.ingest import run_ingest
from finrisk.quality import run_validation

D = date(2025, 3, 3)
LONG = "x" * 100_001
NULL = "expect_column_values_to_not_be_null"
BETWEEN = "expect_column_values_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"
LENGTH = "expect_column_value_lengths_to_be_between"
ROWS = "unexpected_rows_expectation"

# (case id, staging table, row key in quarantine, expectation label, reason fragment, how to plant)
CASES = [
    (
        "profile-array",
        "customers",
        "c-arr",
        f"{ROWS}(profile_is_object)",
        "JSON object",
        ("source", "customers", customer("c-arr", at(D), profile=[1, 2])),
    ),
    (
        "profile-string",
        "customers",
        "c-str",
        f"{ROWS}(profile_is_object)",
        "JSON object",
        ("source", "customers", customer("c-str", at(D), profile="vip")),
    ),
    (
        "notes-too-long",
        "customers",
        "c-long",
        f"{LENGTH}(notes)",
        "max_text_chars",
        ("source", "customers", customer("c-long", at(D), notes=LONG)),
    ),
    (
        "customer-absurd-date",
        "customers",
        "c-old",
        f"{BETWEEN}(updated_at)",
        "absurdly old",
        ("source", "customers", customer("c-old", datetime(1850, 1, 1, tzinfo=UTC))),
    ),
    (
        "customer-future",
        "customers",
        "c-fut",
        f"{BETWEEN}(updated_at)",
        "after the end",
        ("staging", "customers", customer("c-fut", at(D + timedelta(days=30)))),
    ),
    (
        "outcome-null",
        "credit_outcomes",
        "c-2025-03-03-1",
        f"{NULL}(defaulted)",
        "defaulted is null",
        ("source", "credit_outcomes", {"customer_id": "c-2025-03-03-1", "snapshot_date": D, "defaulted": None}),
    ),
    (
        "outcome-unknown-customer",
        "credit_outcomes",
        "c-nobody",
        f"{ROWS}(customer_known)",
        "not a staged customer",
        ("source", "credit_outcomes", {"customer_id": "c-nobody", "snapshot_date": D, "defaulted": True}),
    ),
    (
        "outcome-duplicate",
        "credit_outcomes",
        "c-2025-03-03-0",
        "expect_compound_columns_to_be_unique(customer_id,snapshot_date)",
        "repeats",
        ("source", "credit_outcomes", {"customer_id": "c-2025-03-03-0", "snapshot_date": D, "defaulted": True}),
    ),
    (
        "txn-null-customer",
        "transactions",
        "t-nocust",
        f"{NULL}(customer_id)",
        "customer_id is null",
        ("source", "transactions", txn("t-nocust", None, at(D))),
    ),
    (
        "txn-null-time",
        "transactions",
        "t-notime",
        f"{NULL}(occurred_at)",
        "occurred_at is null",
        ("source", "transactions", txn("t-notime", "c-2025-03-03-0", None)),
    ),
    (
        "txn-null-amount",
        "transactions",
        "t-noamt",
        f"{NULL}(amount)",
        "amount is null",
        ("source", "transactions", txn("t-noamt", "c-2025-03-03-0", at(D), amount=None)),
    ),
    (
        "txn-negative",
        "transactions",
        "t-neg",
        f"{BETWEEN}(amount)",
        "amount",
        ("source", "transactions", txn("t-neg", "c-2025-03-03-0", at(D), amount=-10)),
    ),
    (
        "txn-absurd",
        "transactions",
        "t-huge",
        f"{BETWEEN}(amount)",
        "max_amount",
        ("source", "transactions", txn("t-huge", "c-2025-03-03-0", at(D), amount=1e12)),
    ),
    (
        "txn-currency",
        "transactions",
        "t-cur",
        f"{IN_SET}(currency)",
        "ISO 4217",
        ("source", "transactions", txn("t-cur", "c-2025-03-03-0", at(D), currency="XYZ")),
    ),
    (
        "txn-country",
        "transactions",
        "t-cty",
        f"{IN_SET}(country)",
        "ISO 3166",
        ("source", "transactions", txn("t-cty", "c-2025-03-03-0", at(D), country="Germany")),
    ),
    (
        "txn-unknown-customer",
        "transactions",
        "t-orphan",
        f"{ROWS}(customer_known)",
        "not a staged customer",
        ("source", "transactions", txn("t-orphan", "c-nobody", at(D))),
    ),
    (
        "txn-long-description",
        "transactions",
        "t-long",
        f"{LENGTH}(description)",
        "max_text_chars",
        ("source", "transactions", txn("t-long", "c-2025-03-03-0", at(D), description=LONG)),
    ),
    (
        "txn-future",
        "transactions",
        "t-fut",
        f"{BETWEEN}(occurred_at)",
        "after the end",
        ("staging", "transactions", txn("t-fut", "c-2025-03-03-0", at(D + timedelta(days=2)))),
    ),
    (
        "txn-null-id",
        "transactions",
        None,
        f"{NULL}(txn_id)",
        "txn_id is null",
        ("staging", "transactions", txn(None, "c-2025-03-03-0", at(D))),
    ),
    (
        "txn-duplicate",
        "transactions",
        "t-2025-03-03-1",
        "expect_column_values_to_be_unique(txn_id)",
        "repeats",
        ("staging", "transactions", txn("t-2025-03-03-1", "c-2025-03-03-1", at(D))),
    ),
    (
        "label-null-txn",
        "fraud_labels",
        None,
        f"{NULL}(txn_id)",
        "txn_id is null",
        ("source", "fraud_labels", {"txn_id": None, "is_fraud": True, "labeled_at": at(D)}),
    ),
    (
        "label-unknown-txn",
        "fraud_labels",
        "t-nowhere",
        f"{ROWS}(transaction_known)",
        "not a staged transaction",
        ("source", "fraud_labels", {"txn_id": "t-nowhere", "is_fraud": True, "labeled_at": at(D)}),
    ),
    (
        "label-duplicate",
        "fraud_labels",
        "t-2025-03-03-0",
        "expect_compound_columns_to_be_unique(txn_id,labeled_at)",
        "repeats",
        ("source", "fraud_labels", {"txn_id": "t-2025-03-03-0", "is_fraud": False, "labeled_at": at(D, 20)}),
    ),
    (
        "article-companies-object",
        "news_articles",
        "a-obj",
        f"{ROWS}(companies_is_array)",
        "JSON array",
        ("source", "news_articles", article("a-obj", at(D), companies={"name": "Acme"})),
    ),
    (
        "article-empty-headline",
        "news_articles",
        "a-empty",
        f"{LENGTH}(headline)",
        "headline is empty",
        ("source", "news_articles", article("a-empty", at(D), headline="")),
    ),
    (
        "article-null-time",
        "news_articles",
        "a-notime",
        f"{NULL}(published_at)",
        "published_at is null",
        ("source", "news_articles", article("a-notime", None)),
    ),
    (
        "news-label-sentiment",
        "news_labels",
        "a-2025-03-03",
        f"{IN_SET}(sentiment)",
        "sentiment",
        ("source", "news_labels", {"article_id": "a-2025-03-03", "sentiment": "bullish"}),
    ),
    (
        "news-label-unknown-article",
        "news_labels",
        "a-ghost",
        f"{ROWS}(article_known)",
        "not a staged article",
        ("source", "news_labels", {"article_id": "a-ghost", "sentiment": "neutral"}),
    ),
]


@pytest.fixture(scope="module")
def planted(pg_admin, template_db, tmp_path_factory):
    """One database with a good day plus every planted bad row, ingested and validated once."""
    from finrisk.db.engine import engine_for, get_engine

    name = f"finrisk_test_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}" template "{template_db}"')
    settings = Settings(database_url=_url_for(name), data_dir=tmp_path_factory.mktemp("validate") / "data")
    engine = get_engine(settings)
    good_day(engine, D, n=5)
    for *_, (where, table, row) in CASES:
        if where == "source":
            insert(engine, table, row)
    run_ingest(settings, D)
    for *_, (where, table, row) in CASES:
        if where == "staging":
            stage(engine, table, D, row)
    report = run_validation(settings, D)
    yield settings, engine, report
    engine_for.cache_clear()
    _drop(pg_admin, name)


def _quarantine(engine, table: str) -> list:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "select row_key, expectation, reason, raw_row, run_id from quality.quarantine where table_name = :t"
            ),
            {"t": f"staging.{table}"},
        ).all()


@pytest.mark.parametrize(
    ("table", "key", "label", "reason", "plant"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_expectation_quarantines_planted_row(planted, table, key, label, reason, plant):
    _, engine, report = planted
    hits = [
        r
        for r in _quarantine(engine, table)
        if r.expectation == label and (key is None or r.row_key == key or r.row_key.startswith(f"{key}|"))
    ]
    assert hits, f"no quarantine row for {key} under {label}"
    assert reason in hits[0].reason
    assert hits[0].run_id == report.run_id
    assert hits[0].raw_row["ingest_date"] == D.isoformat()
    outcome = next(o for o in report.tables[table].outcomes if o.label == label)
    assert outcome.quarantined_rows >= 1
    if not label.startswith("expect_compound") and "unique" not in label:
        assert not outcome.success and outcome.unexpected_count >= 1


def test_good_rows_stay_clean(planted):
    _, engine, report = planted
    with engine.connect() as conn:
        good = conn.execute(
            sa.text("select count(*) from staging.clean_transactions where txn_id like 't-2025-03-03-%'")
        ).scalar()
        quarantined = conn.execute(
            sa.text(
                "select count(*) from quality.quarantine where row_key like 'c-2025-03-03-%|%' "
                "and table_name = 'staging.customers'"
            )
        ).scalar()
    assert good == 5  # the five good ones; the planted duplicate of t-..-1 is the one quarantined
    assert quarantined == 0
    assert report.tables["transactions"].quarantined_rows == sum(c[1] == "transactions" for c in CASES)


def test_runs_are_recorded_and_docs_written(planted):
    settings, engine, report = planted
    with engine.connect() as conn:
        runs = conn.execute(
            sa.text(
                "select table_name, success, evaluated_rows, failed_rows from quality.validation_runs "
                "where run_id = :r order by table_name"
            ),
            {"r": report.run_id},
        ).all()
        results = conn.execute(
            sa.text(
                "select count(*), count(*) filter (where not success) from quality.expectation_results where "
                "run_id = :r"
            ),
            {"r": report.run_id},
        ).one()
        volume_note = conn.execute(
            sa.text(
                "select details ->> 'note' from quality.expectation_results where run_id = :r "
                "and suite = 'staging.transactions' and expectation = 'expect_table_row_count_to_be_between'"
            ),
            {"r": report.run_id},
        ).scalar()
    assert len(runs) == 6 and all(r.evaluated_rows > 0 for r in runs)
    assert (
        dict((r.table_name, r.failed_rows) for r in runs)["staging.transactions"]
        == report.tables["transactions"].quarantined_rows
    )
    assert results[0] > 60 and results[1] > 10
    assert "no daily ingest history" in volume_note
    assert report.index_html == settings.data_path / "quality" / "data_docs" / "index.html"
    assert report.index_html.is_file()


def test_rerun_adds_no_quarantine_rows(planted):
    settings, engine, _ = planted
    before = len(_quarantine(engine, "transactions")) + len(_quarantine(engine, "customers"))
    again = run_validation(settings, D)
    after = len(_quarantine(engine, "transactions")) + len(_quarantine(engine, "customers"))
    assert after == before
    assert sum(t.new_quarantined_rows for t in again.tables.values()) == 0


def _history(engine, settings, days: int, n: int = 10) -> date:
    """Ingest a backfill day plus `days` daily days of n rows; returns the next day."""
    day = D
    for i in range(days + 1):
        good_day(engine, day, n=n)
        run_ingest(settings, day)
        day += timedelta(days=1)
    return day


def test_empty_critical_batch_stops_the_run(settings, engine):
    day = _history(engine, settings, 1)
    insert(engine, "news_articles", article("a-only", at(day)))  # some data, but no transactions
    run_ingest(settings, day)
    with pytest.raises(FinriskError) as err:
        run_validation(settings, day)
    message = str(err.value)
    assert "\n" not in message
    assert "staging.customers" in message and "expect_table_row_count_to_be_between" in message
    with engine.connect() as conn:  # recorded before stopping
        failed = conn.execute(
            sa.text("select count(*) from quality.validation_runs where batch_failure is not null")
        ).scalar()
    assert failed >= 1


def test_volume_collapse_stops_the_run_and_quiet_news_day_does_not(settings, engine):
    day = _history(engine, settings, 2, n=20)
    insert(engine, "customers", customer("c-lonely", at(day)))
    insert(engine, "transactions", txn("t-lonely", "c-lonely", at(day)))
    run_ingest(settings, day)  # 1 row against a mean of 20: below 0.2 * 20; no news at all that day
    with pytest.raises(FinriskError, match=r"staging\.customers: expect_table_row_count_to_be_between failed: 1 rows"):
        run_validation(settings, day)
    with engine.connect() as conn:  # one article a day: an empty news day is normal, and passes
        news = conn.execute(
            sa.text(
                "select r.batch_failure, e.success, e.details ->> 'note' as note from quality.validation_runs r "
                "join quality.expectation_results e on e.run_id = r.run_id and e.suite = r.suite "
                "where r.table_name = 'staging.news_articles' and e.expectation = "
                "'expect_table_row_count_to_be_between'"
            )
        ).one()
    assert news.batch_failure is None and news.success is True and "zero accepted" in news.note
    relaxed = settings.model_copy(update={"quality": settings.quality.model_copy(update={"volume_min_ratio": 0.01})})
    report = run_validation(relaxed, day)
    assert report.tables["transactions"].evaluated_rows == 1 and report.tables["news_articles"].evaluated_rows == 0


def test_broken_schema_stops_the_run(settings, engine):
    good_day(engine, D, n=3)
    run_ingest(settings, D)
    with engine.begin() as conn:
        conn.exec_driver_sql("alter table staging.news_labels add column surprise text")
    with pytest.raises(FinriskError, match=r"staging\.news_labels: expect_table_columns_to_match_set"):
        run_validation(settings, D)


def test_cli_batch_failure_is_one_line(settings, engine):
    day = _history(engine, settings, 1)
    env = {**os.environ, "FINRISK_DATABASE_URL": settings.database_url, "FINRISK_DATA_DIR": str(settings.data_dir)}
    run = [sys.executable, "-m", "finrisk.cli"]
    ok = subprocess.run(
        [*run, "ingest", "--date", day.isoformat()], capture_output=True, text=True, env=env, timeout=120
    )
    assert ok.returncode == 0, ok.stderr
    assert "ingest" in ok.stdout and "transactions=0" in ok.stdout
    bad = subprocess.run(
        [*run, "validate", "--date", day.isoformat()], capture_output=True, text=True, env=env, timeout=120
    )
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    errors = [line for line in bad.stderr.splitlines() if line.startswith("finrisk: error:")]
    assert len(errors) == 1 and "staging.customers" in errors[0] and "expect_table_row_count" in errors[0]
    good = subprocess.run(
        [*run, "validate", "--date", (day - timedelta(days=1)).isoformat()],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert good.returncode == 0, good.stderr
    assert "Data Docs:" in good.stdout and "index.html" in good.stdout


@pytest.mark.parametrize(
    "table", ["customers", "credit_outcomes", "transactions", "fraud_labels", "news_articles", "news_labels"]
)
def test_quarantine_checks_run_once_whatever_the_planner_expects_of_the_batch(planted, table):
    """Statistics from yesterday say today's batch has ~1 row; the planner then put the day's batch on the outer side
    of a nested loop with all the checks inside, re-running every check per row (9k rows: minutes). The checks must be
    one materialized CTE, so a re-scan reads their result instead of re-running them."""
    from finrisk.config import QualitySettings
    from finrisk.dates import end_of_day
    from finrisk.db.sql import load
    from finrisk.quality import rules
    from finrisk.quality.run import _params

    settings, engine, _ = planted
    later = D + timedelta(days=30)  # a date no statistics have seen
    params = _params(QualitySettings(), "plan-check", rules.bounds(QualitySettings(), later, end_of_day(later)))
    params["max_row_id"] = 2**62  # the whole staged batch, as validation would find it
    with engine.connect() as conn:
        conn.exec_driver_sql(f"analyze staging.{table}")
        plan = conn.execute(
            sa.text("explain (format json) " + load(f"quality/quarantine_{table}")), params
        ).scalar_one()
    text = str(plan)
    assert "'CTE Name': 'failures'" in text, "the failures CTE was inlined into the plan"
