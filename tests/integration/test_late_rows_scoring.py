"""Ingest and features agree on point in time: a late row picked up by D's ingest counts for D's scoring."""

from datetime import date, timedelta

from source_rows import at, customer, insert, txn

from finrisk.ingest import run_ingest
from finrisk.models.specs import SPECS
from finrisk.quality import run_validation

DAY1 = date(2026, 3, 2)
DAY2 = DAY1 + timedelta(days=1)


def _credit_numeric(engine, score_date):
    with engine.connect() as conn:
        return {r.key: r.meta["numeric"] for r in SPECS["credit"].scoring_records(conn, score_date)}


def test_late_transaction_is_visible_to_the_next_scoring_day_only(settings, engine):
    insert(engine, "customers", customer("c-1", at(DAY1 - timedelta(days=30))))
    insert(engine, "transactions", txn("t-1", "c-1", at(DAY1, 10)))
    run_ingest(settings, DAY1)
    run_validation(settings, DAY1)  # scoring reads only rows a passed validation run has seen
    assert _credit_numeric(engine, DAY1)["c-1"]["txn_count_30d"] == 1

    # written upstream after DAY1's run, but dated DAY1: it arrives late
    insert(engine, "transactions", txn("t-late", "c-1", at(DAY1, 15)))
    run_ingest(settings, DAY2)
    run_validation(settings, DAY2)

    # as known at the end of DAY1 the late row did not exist; at the end of DAY2 it does
    assert _credit_numeric(engine, DAY1)["c-1"]["txn_count_30d"] == 1
    assert _credit_numeric(engine, DAY2)["c-1"]["txn_count_30d"] == 2
