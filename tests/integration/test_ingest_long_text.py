"""Any text length upstream sends must ingest (issue 10, defect 2).

A 3 KB merchant or company used to stop the table's ingest (a btree index entry must fit in
2704 bytes), and every table after it; a 1 MB one hit the 8191-byte limit. Now every text
column ingests whatever its length, byte for byte, and validation quarantines values over the
configured length with a reason.
"""

from __future__ import annotations

import random
import string
from datetime import date

import sqlalchemy as sa
from source_rows import at, customer, good_day, insert, txn

from finrisk.ingest import TABLES, run_ingest
from finrisk.quality import run_validation

D = date(2025, 7, 1)


def _random_text(chars: int, seed: int) -> str:
    """Text that does not compress, so the database must store (and index) every byte."""
    rng = random.Random(seed)
    return "".join(rng.choices(string.ascii_letters + string.digits + "äöüß€", k=chars))


KB3, MB1 = _random_text(3_000, 1), _random_text(1_048_576, 2)


def _plant(engine) -> None:
    good_day(engine, D, n=3)
    insert(engine, "customers", customer("c-kb", at(D), company=KB3), customer("c-mb", at(D), company=MB1))
    insert(engine, "transactions", txn("t-kb", "c-kb", at(D), merchant=KB3), txn("t-mb", "c-mb", at(D), merchant=MB1))
    insert(engine, "fraud_labels", {"txn_id": KB3, "is_fraud": True, "labeled_at": at(D, 20)})  # ids too
    insert(engine, "news_labels", {"article_id": MB1, "sentiment": "neutral"})


def test_oversized_text_ingests_byte_exact_and_is_quarantined_with_a_reason(settings, engine):
    _plant(engine)
    result = run_ingest(settings, D)
    assert set(result.tables) == set(TABLES)  # no table skipped
    assert result.rows["customers"] == 5 and result.rows["transactions"] == 5
    report = run_validation(settings, D)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select company from staging.customers where customer_id = 'c-mb'")).scalar() == MB1
        assert conn.execute(sa.text("select merchant from staging.transactions where txn_id = 't-kb'")).scalar() == KB3
        held = {
            (r.row_key.split("|")[0][:10], r.expectation): r.reason
            for r in conn.execute(sa.text("select row_key, expectation, reason from quality.quarantine"))
        }
    assert (
        held[("c-kb", "expect_column_value_lengths_to_be_between(company)")] == "company is longer than max_name_chars"
    )
    assert ("c-mb", "expect_column_value_lengths_to_be_between(company)") in held
    assert ("t-kb", "expect_column_value_lengths_to_be_between(merchant)") in held
    assert ("t-mb", "expect_column_value_lengths_to_be_between(merchant)") in held
    assert (KB3[:10], "unexpected_rows_expectation(transaction_known)") in held  # a 3 KB id: staged, then quarantined
    assert report.tables["customers"].quarantined_rows == 2 and report.tables["transactions"].quarantined_rows == 2


def test_a_long_name_within_the_configured_length_is_clean(settings, engine):
    _plant(engine)
    roomy = settings.model_copy(update={"quality": settings.quality.model_copy(update={"max_name_chars": 4_000})})
    run_ingest(roomy, D)
    run_validation(roomy, D)
    with engine.connect() as conn:
        clean = conn.execute(sa.text("select merchant from staging.clean_transactions where txn_id = 't-kb'")).scalar()
        mb = conn.execute(sa.text("select count(*) from staging.clean_transactions where txn_id = 't-mb'")).scalar()
    assert clean == KB3 and mb == 0


def test_every_staging_text_index_takes_any_length(engine):
    """No btree index on a text column is left in staging (a hash or a timestamp index instead)."""
    with engine.connect() as conn:
        btree_text = (
            conn.execute(
                sa.text(
                    "select i.indexrelid::regclass::text from pg_index i join pg_class c on c.oid = i.indrelid "
                    "join pg_namespace n on n.oid = c.relnamespace join pg_class ic on ic.oid = i.indexrelid "
                    "join pg_am am on am.oid = ic.relam join pg_attribute a on a.attrelid = c.oid and a.attnum "
                    "= any(i.indkey) "
                    "where n.nspname = 'staging' and am.amname = 'btree' and a.atttypid = 'text'::regtype"
                )
            )
            .scalars()
            .all()
        )
    assert btree_text == []
