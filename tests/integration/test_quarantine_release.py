"""Quarantine releases rows whose parent arrived (issue 20, defect 6).

A transaction of a customer not staged yet, a fraud label of an unknown transaction and a news
label of an unknown article are quarantined on their day. Before, they stayed quarantined for
good once the parent arrived (the quick start's 564 transactions of 8 customers), and the summary
counted only the night's new quarantine. Now every passed validation run re-checks them: an entry
whose parent has a clean row is released with an audit row, the row is clean and scored that
night, and the summary and the quality views show every row still held, by reason and age.
"""

from __future__ import annotations

from datetime import timedelta

import source_rows as src
import sqlalchemy as sa
from test_score import D2, _rows, env, trained  # noqa: F401  (fixtures)

from finrisk import steps
from finrisk.db.engine import get_engine
from finrisk.quality import run_validation
from finrisk.scoring import run as scoring
from finrisk.summary import morning_summary, summary_text

A = D2 + timedelta(days=10)
B = A + timedelta(days=1)
ORPHANS = ["t-orphan-1", "t-orphan-2", "t-orphan-3"]


def _quick(settings):
    return settings.model_copy(update={"scoring": settings.scoring.model_copy(update={"reason_codes": 0})})


def _held(engine, table: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in _rows(
        engine,
        "select row_key, expectation from quality.quarantine where table_name = :t order by expectation",
        t=f"staging.{table}",
    ):
        out.setdefault(r["row_key"].split("|")[0], []).append(r["expectation"])
    return out


def _clean(engine, view: str, key: str) -> set[str]:
    return {r[key] for r in _rows(engine, f"select {key} from staging.clean_{view}")}


def test_rows_waiting_for_their_parent_are_released_audited_and_scored_that_night(env):
    settings = _quick(env)
    engine = get_engine(settings)
    # day A: children whose parents upstream has not written yet
    src.good_day(engine, A, n=3)
    src.insert(engine, "transactions", *[src.txn(t, "c-late", src.at(A, 10)) for t in ORPHANS])
    src.insert(engine, "transactions", src.txn("t-orphan-bad", "c-late", src.at(A, 11), amount=-5))  # two faults
    src.insert(
        engine,
        "fraud_labels",
        {"txn_id": "t-later", "is_fraud": True, "labeled_at": src.at(A, 21)},
        {"txn_id": "t-after", "is_fraud": False, "labeled_at": src.at(A, 21)},
    )
    src.insert(engine, "news_labels", {"article_id": "a-later", "sentiment": "negative"})
    steps.ingest(settings, A)
    steps.validate(settings, A)
    known = "unexpected_rows_expectation(customer_known)"
    assert _held(engine, "transactions")["t-orphan-1"] == [known]
    assert not set(ORPHANS) & _clean(engine, "transactions", "txn_id")

    # day B: the parents arrive (t-later occurred before its label, t-after only after it)
    src.insert(engine, "customers", src.customer("c-late", src.at(B, 8)))
    src.insert(
        engine,
        "transactions",
        src.txn("t-later", f"c-{A}-1", src.at(A, 20)),
        src.txn("t-after", f"c-{A}-1", src.at(B, 9)),
    )
    src.insert(engine, "news_articles", src.article("a-later", src.at(B, 9)))
    src.good_day(engine, B, n=3)
    steps.ingest(settings, B)
    report = run_validation(settings, B)

    assert set(ORPHANS) <= _clean(engine, "transactions", "txn_id")
    assert "t-later" in _clean(engine, "fraud_labels", "txn_id")
    assert "a-later" in _clean(engine, "news_labels", "article_id")
    assert report.released == {"staging.transactions": 3, "staging.fraud_labels": 1, "staging.news_labels": 1}
    held = _held(engine, "transactions")
    assert not set(ORPHANS) & set(held)
    assert held["t-orphan-bad"] == ["expect_column_values_to_be_between(amount)"]  # still held for its amount
    assert _held(engine, "fraud_labels")["t-after"] == ["unexpected_rows_expectation(label_before_transaction)"]

    audit = _rows(
        engine,
        "select row_key, expectation, reason, quarantine_run_id, run_id, run_date "
        "from quality.quarantine_releases where table_name = 'staging.transactions' order by row_key",
    )
    assert [a["row_key"] for a in audit] == ORPHANS + ["t-orphan-bad"]
    assert {(a["expectation"], a["reason"], a["run_id"], a["run_date"]) for a in audit} == {
        (known, "customer_id is not a staged customer", report.run_id, B)
    }
    assert all(a["quarantine_run_id"].startswith(f"validate-{A}") for a in audit)

    # B's night scores the released transactions, although they occurred on A
    assert scoring.score(settings, B).status == "published"
    scored = {
        r["txn_id"] for r in _rows(engine, "select txn_id from risk.transaction_scores where score_date = :d", d=B)
    }
    assert set(ORPHANS) | {f"t-{B}-0", "t-after"} <= scored and "t-orphan-bad" not in scored

    # the morning summary and the quality views show what is still held, by reason and age
    summary = morning_summary(settings, B)
    assert summary["released_rows"] == {"staging.transactions": 3, "staging.fraud_labels": 1, "staging.news_labels": 1}
    text = summary_text(summary)
    assert "released from quarantine: 5 (staging.fraud_labels 1, staging.news_labels 1, staging.transactions 3)" in text
    backlog = {(b["table"], b["expectation"]): b for b in summary["quarantine_backlog"]}
    amount = backlog[("staging.transactions", "expect_column_values_to_be_between(amount)")]
    assert (amount["rows"], amount["age_band"], amount["oldest_age_days"]) == (1, "0-1 days", 1)
    assert ("staging.transactions", known) not in backlog
    assert "staging.transactions 1 amount is below min_amount or above max_amount (0-1 days 1; oldest 1 days)" in text
    with engine.connect() as conn:
        view = conn.execute(
            sa.text(
                "select row_key, expectations from quality.quarantined_rows where table_name = 'staging.transactions'"
            )
        ).all()
        by_age = conn.execute(
            sa.text(
                "select sum(rows_quarantined) from quality.quarantine_by_age where table_name = 'staging.fraud_labels'"
            )
        ).scalar()
    assert [(v.row_key, list(v.expectations)) for v in view] == [
        ("t-orphan-bad", ["expect_column_values_to_be_between(amount)"])
    ]
    assert by_age == 1

    # re-validating B releases nothing twice and quarantines nothing again
    again = run_validation(settings, B)
    assert again.released == {}
    assert (
        len(_rows(engine, "select 1 from quality.quarantine_releases")) == 7
    )  # 4 transaction, 2 label, 1 news entries
