"""Rows that used to pass but should not, or were silently ignored (issue 10, defects 3 and 9).

Each case is decided as the README's validation section says: quarantined with a reason, kept
as two versions, or counted and reported. One database holds a good day plus every planted
row; it is ingested and validated once, then each case is checked.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pgtools import _drop, _url_for
from source_rows import article, at, customer, good_day, insert, txn

from finrisk.config import Settings
from finrisk.features.serialize import to_text
from finrisk.ingest import run_ingest
from finrisk.quality import run_validation

D = date(2025, 4, 7)
C0, C1, C2 = (f"c-{D}-{i}" for i in range(3))
T0, T1, T2, T3 = (f"t-{D}-{i}" for i in range(4))
LENGTH, REGEX, NULL = (
    "expect_column_value_lengths_to_be_between",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_not_be_null",
)
ROWS = "unexpected_rows_expectation"


def _deep_json(levels: int) -> str:
    """JSON text nested `levels` deep (too deep for Python's json module to write or read)."""
    return '{"nested": ' + '{"k": ' * levels + "1" + "}" * levels + "}"


# (case id, staging table, row key (prefix) in quarantine, label, reason fragment)
QUARANTINED = [
    ("empty-customer-id", "customers", "|", f"{LENGTH}(customer_id)", "customer_id is empty"),
    ("padded-customer-id", "customers", f"{C0} |", f"{REGEX}(customer_id)", "leading or trailing whitespace"),
    ("empty-txn-id", "transactions", "", f"{LENGTH}(txn_id)", "txn_id is empty"),
    ("padded-txn-id", "transactions", f" {T0}", f"{REGEX}(txn_id)", "leading or trailing whitespace"),
    ("empty-article-id", "news_articles", "", f"{LENGTH}(article_id)", "article_id is empty"),
    ("tiny-amount", "transactions", "t-tiny", "expect_column_values_to_be_between(amount)", "below min_amount"),
    ("null-country", "transactions", "t-nocountry", f"{NULL}(country)", "country is null"),
    ("null-headline", "news_articles", "a-nullhead", f"{NULL}(headline)", "headline is null"),
    ("blank-headline", "news_articles", "a-blank", f"{REGEX}(headline)", "headline is blank"),
    ("companies-non-strings", "news_articles", "a-mixed", f"{ROWS}(companies_are_strings)", "non-string"),
    ("deep-profile", "customers", "c-deep|", f"{ROWS}(profile_depth)", "deeper than max_json_depth"),
    ("huge-number-profile", "customers", "c-huge|", f"{ROWS}(profile_numbers)", "beyond +-1e300"),
    ("fraud-label-conflict-a", "fraud_labels", f"{T1}|", f"{ROWS}(label_conflict)", "conflicts"),
    ("fraud-label-before-txn", "fraud_labels", f"{T2}|", f"{ROWS}(label_before_transaction)", "before the transaction"),
    ("label-of-quarantined-txn", "fraud_labels", "t-tiny|", f"{ROWS}(transaction_clean)", "transaction is quarantined"),
    ("label-of-quarantined-article", "news_labels", "a-blank", f"{ROWS}(article_clean)", "article is quarantined"),
    ("outcome-conflict", "credit_outcomes", f"{C1}|", f"{ROWS}(outcome_conflict)", "conflicts"),
    (
        "outcome-of-quarantined-customer",
        "credit_outcomes",
        "c-deep|",
        f"{ROWS}(customer_clean)",
        "customer is quarantined",
    ),
    (
        "infinite-transaction",
        "transactions",
        "t-forever",
        "expect_column_values_to_be_between(occurred_at)",
        "after the end",
    ),
    (
        "infinite-label",
        "fraud_labels",
        f"{T3}|infinity",
        "expect_column_values_to_be_between(labeled_at)",
        "after the end",
    ),
    (
        "infinite-article",
        "news_articles",
        "a-forever",
        "expect_column_values_to_be_between(published_at)",
        "after the end",
    ),
    (
        "infinite-outcome",
        "credit_outcomes",
        f"{C2}|infinity",
        "expect_column_values_to_be_between(snapshot_date)",
        "after the run date",
    ),
]


def _infinity(engine, table: str, column: str, where: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"update source.{table} set {column} = 'infinity' where {where}"))


@pytest.fixture(scope="module")
def planted(pg_admin, template_db, tmp_path_factory):
    from finrisk.db.engine import engine_for, get_engine

    name = f"finrisk_test_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}" template "{template_db}"')
    settings = Settings(database_url=_url_for(name), data_dir=tmp_path_factory.mktemp("decisions") / "data")
    engine = get_engine(settings)
    good_day(engine, D, n=4)
    insert(engine, "customers", customer("", at(D)), customer(f"{C0} ", at(D)))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into source.customers values ('c-deep', :u, 'retail', 'Acme AG', "
                "cast(:p as jsonb), null), ('c-huge', :u, 'retail', null, cast(:h as jsonb), null)"
            ),
            {"u": at(D), "p": _deep_json(3000), "h": '{"income": 1' + "0" * 5000 + "}"},
        )
    insert(
        engine,
        "transactions",
        txn("", C0, at(D)),
        txn(f" {T0}", C0, at(D)),
        txn("t-tiny", C0, at(D), amount=1e-30),
        txn("t-nocountry", C0, at(D), country=None),
        txn("t-of-deep", "c-deep", at(D)),
        txn("t-forever", C0, at(D)),
    )
    _infinity(engine, "transactions", "occurred_at", "txn_id = 't-forever'")
    insert(
        engine,
        "fraud_labels",
        {"txn_id": T1, "is_fraud": True, "labeled_at": at(D, 21)},
        {"txn_id": T1, "is_fraud": False, "labeled_at": at(D, 21)},  # same time, other verdict
        {"txn_id": T2, "is_fraud": False, "labeled_at": at(D, 5)},  # before the 10:00 transaction
        {"txn_id": "t-tiny", "is_fraud": True, "labeled_at": at(D, 22)},
        {"txn_id": T3, "is_fraud": True, "labeled_at": at(D, 12)},
        {"txn_id": T3, "is_fraud": False, "labeled_at": at(D, 23)},  # a later verdict: a second version
        {"txn_id": T3, "is_fraud": True, "labeled_at": at(D, 23) - timedelta(minutes=1)},
    )
    with engine.begin() as conn:
        conn.execute(sa.text("insert into source.fraud_labels values (:t, true, 'infinity')"), {"t": T3})
    insert(
        engine,
        "news_articles",
        article("", at(D)),
        article("a-nullhead", at(D), headline=None),
        article("a-blank", at(D), headline="  \t "),
        article("a-mixed", at(D), companies=["Acme AG", 7, None, ["x"]]),
        article("a-forever", at(D)),
    )
    _infinity(engine, "news_articles", "published_at", "article_id = 'a-forever'")
    insert(engine, "news_labels", {"article_id": "a-blank", "sentiment": "negative"})
    insert(
        engine,
        "credit_outcomes",
        {"customer_id": C1, "snapshot_date": D, "defaulted": True},
        {"customer_id": "c-deep", "snapshot_date": D, "defaulted": False},
    )
    with engine.begin() as conn:  # good_day gave C0 an outcome; C1 gets two that disagree
        conn.execute(
            sa.text("insert into source.credit_outcomes values (:c, :d, false), (:c2, 'infinity', true)"),
            {"c": C1, "d": D, "c2": C2},
        )
    ingest = run_ingest(settings, D)
    report = run_validation(settings, D)
    yield settings, engine, ingest, report
    engine_for.cache_clear()
    _drop(pg_admin, name)


def _quarantined(engine, table: str) -> list:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("select row_key, expectation, reason from quality.quarantine where table_name = :t"),
            {"t": f"staging.{table}"},
        ).all()


@pytest.mark.parametrize(
    ("table", "key", "label", "reason"), [c[1:] for c in QUARANTINED], ids=[c[0] for c in QUARANTINED]
)
def test_case_is_quarantined_with_its_reason(planted, table, key, label, reason):
    _, engine, _, _ = planted
    hits = [r for r in _quarantined(engine, table) if r.expectation == label and (r.row_key or "").startswith(key)]
    assert hits, (
        f"{key!r} not quarantined under {label}: {sorted(set(r.expectation for r in _quarantined(engine, table)))}"
    )
    assert reason in hits[0].reason


def test_infinite_dates_do_not_wait_forever(planted):
    _, engine, ingest, _ = planted
    with engine.connect() as conn:
        waiting = conn.execute(
            sa.text(
                "select count(*) from source.transactions s where not exists "
                "(select 1 from staging.transactions t where t.txn_id = s.txn_id)"
            )
        ).scalar()
    assert waiting == 0


def test_conflicting_pairs_are_both_quarantined(planted):
    _, engine, _, _ = planted
    labels = [r for r in _quarantined(engine, "fraud_labels") if r.expectation.endswith("(label_conflict)")]
    outcomes = [r for r in _quarantined(engine, "credit_outcomes") if r.expectation.endswith("(outcome_conflict)")]
    assert len(labels) == 2 and len(outcomes) == 2  # neither verdict is kept arbitrarily


def test_a_later_verdict_is_a_second_version_not_a_conflict(planted):
    _, engine, _, _ = planted
    with engine.connect() as conn:
        verdicts = conn.execute(
            sa.text(
                "select is_fraud, labeled_at from staging.clean_fraud_labels where txn_id = :t order by labeled_at"
            ),
            {"t": T3},
        ).all()
    assert [v.is_fraud for v in verdicts] == [True, True, False]  # the latest known verdict is the one that counts


def test_transactions_of_a_quarantined_customer_are_counted_and_reported(planted):
    _, engine, _, report = planted
    with engine.connect() as conn:
        clean = conn.execute(
            sa.text("select count(*) from staging.clean_transactions where txn_id = 't-of-deep'")
        ).scalar()
        recorded = conn.execute(
            sa.text(
                "select unexpected_count from quality.expectation_results where run_id = :r "
                "and expectation = 'reported(customer_quarantined)'"
            ),
            {"r": report.run_id},
        ).scalar()
    assert clean == 1 and recorded == 1
    assert any("customers with no clean version" in n for n in report.tables["transactions"].notes)


def test_scoring_reads_every_clean_row_without_raising(planted):
    """What passed validation can be serialized: the deep profile and the NULL headline are not there."""
    from finrisk.models.specs import SPECS

    _, engine, _, _ = planted
    with engine.connect() as conn:
        for spec in SPECS.values():
            texts = [to_text(record.fields) for record in spec.scoring_records(conn, D)]
            assert all(isinstance(t, str) for t in texts)
            assert texts or spec.name == "news"


def test_every_staged_row_is_clean_or_quarantined_once(planted):
    _, engine, _, _ = planted
    with engine.connect() as conn:
        for table in ("customers", "credit_outcomes", "transactions", "fraud_labels", "news_articles", "news_labels"):
            staged, clean, held = conn.execute(
                sa.text(
                    f"select (select count(*) from staging.{table}), (select count(*) from staging.clean_{table}), "
                    "(select count(distinct row_id) from quality.quarantine where table_name = :t)"
                ),
                {"t": f"staging.{table}"},
            ).one()
            assert staged == clean + held, table


def test_redelivered_rows_with_changed_content_are_staged_and_quarantined(settings, engine, caplog):
    good_day(engine, D, n=2)
    run_ingest(settings, D)
    run_validation(settings, D)
    with engine.begin() as conn:
        conn.execute(sa.text("update source.transactions set amount = 999 where txn_id = :t"), {"t": T0})
        conn.execute(sa.text("update source.customers set notes = 'changed' where customer_id = :c"), {"c": C0})
        conn.execute(sa.text("update source.news_articles set body = 'changed' where article_id = :a"), {"a": f"a-{D}"})
    day = D + timedelta(days=1)
    good_day(engine, day, n=2)
    with caplog.at_level("WARNING", logger="finrisk.ingest.run"):
        result = run_ingest(settings, day)
    assert {t: result.tables[t].redelivered_rows for t in ("customers", "transactions", "news_articles")} == {
        "customers": 1,
        "transactions": 1,
        "news_articles": 1,
    }
    assert "re-delivered row(s)" in caplog.text
    assert run_ingest(settings, day).total_rows == 0  # staged once, not on every run
    run_validation(settings, day)
    with engine.connect() as conn:
        amounts = conn.execute(
            sa.text(
                "select t.amount, q.reason from staging.transactions t left join quality.quarantine q "
                "on q.table_name = 'staging.transactions' and q.row_id = t.row_id where t.txn_id = :t order by t.row_id"
            ),
            {"t": T0},
        ).all()
        clean_notes = (
            conn.execute(sa.text("select notes from staging.clean_customers where customer_id = :c"), {"c": C0})
            .scalars()
            .all()
        )
    assert float(amounts[0].amount) == 42.5 and amounts[0].reason is None  # the first version stays clean
    assert float(amounts[1].amount) == 999 and "re-delivery" in amounts[1].reason
    assert clean_notes == ["pays on time"]
