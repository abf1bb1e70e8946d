"""What an upstream delete means: a closed customer stops being scored, its history stays (issue 20, defect 8).

Before, a customer deleted from source.customers stayed in clean_customers and was scored
forever, and the contract had no way to say "closed". Now upstream writes a new version of the
row with `closed_at` set (migration 090): from the night that version is known the customer is
not scored (and the audit's active count agrees), earlier nights and training snapshots before
the closure still read it, and a later open version reopens it. Hard-deleting the row means
nothing: the customer is scored from its last staged version, as the contract says.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from source_rows import at, customer, good_day, insert

from finrisk.dates import end_of_day
from finrisk.db.sql import query
from finrisk.features.serialize import to_text
from finrisk.ingest import run_ingest
from finrisk.models.specs import SPECS
from finrisk.quality import run_validation

D1 = date(2025, 6, 2)
D2, D3 = D1 + timedelta(days=1), D1 + timedelta(days=2)


def _night(settings, day: date) -> None:
    run_ingest(settings, day)
    run_validation(settings, day)


def _scored(engine, day: date) -> set[str]:
    with engine.connect() as conn:
        return {r.key for r in SPECS["credit"].scoring_records(conn, day)}


def _active(engine, day: date) -> int:
    with engine.connect() as conn:
        return conn.execute(query("scoring/count_active_customers"), {"as_of": end_of_day(day)}).scalar_one()


def test_a_closed_customer_is_not_scored_from_the_night_its_closure_is_known(settings, engine):
    good_day(engine, D1, n=3)
    insert(
        engine,
        "customers",
        customer("c-closes", at(D1, 8), profile={"status": "before closure"}),
        customer("c-deleted", at(D1, 8)),
        customer("c-reopens", at(D1, 8)),
    )
    _night(settings, D1)
    assert {"c-closes", "c-deleted", "c-reopens"} <= _scored(engine, D1)

    # D2: upstream closes two customers (a new version with closed_at) and hard-deletes a third
    good_day(engine, D2, n=3)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                'update source.customers set updated_at = :u, closed_at = :c, profile = \'{"status": "closed"}\' '
                "where customer_id in ('c-closes', 'c-reopens')"
            ),
            {"u": at(D2, 9), "c": at(D2, 7)},
        )
        conn.execute(sa.text("delete from source.customers where customer_id = 'c-deleted'"))
        # an outcome at a snapshot before the closure (midnight of D2): training still reads the customer as it was
        conn.execute(sa.text("insert into source.credit_outcomes values ('c-closes', :d, false)"), {"d": D2})
    _night(settings, D2)

    scored = _scored(engine, D2)
    assert "c-closes" not in scored and "c-reopens" not in scored
    assert "c-deleted" in scored  # a hard delete means nothing (README, the source-data contract)
    assert _active(engine, D2) == len(scored)  # the publish audit counts what scoring reads
    assert "c-closes" in _scored(engine, D1)  # history: the night before the closure is unchanged

    with engine.connect() as conn:
        versions = (
            conn.execute(
                sa.text(
                    "select closed_at from staging.clean_customers c join staging.customers s using (row_id) "
                    "where c.customer_id = 'c-closes' order by c.updated_at"
                )
            )
            .scalars()
            .all()
        )
        records = [r for r in SPECS["credit"].training_records(conn) if r.key == "c-closes"]
    assert versions == [None, at(D2, 7)]
    assert len(records) == 1 and "before closure" in to_text(records[0].fields)

    # D3: a later open version reopens; a closure dated after its night is quarantined with the reason
    good_day(engine, D3, n=3)
    with engine.begin() as conn:
        conn.execute(
            sa.text("update source.customers set updated_at = :u, closed_at = null where customer_id = 'c-reopens'"),
            {"u": at(D3, 9)},
        )
        conn.execute(
            sa.text("update source.customers set updated_at = :u, closed_at = :c where customer_id = 'c-2025-06-03-1'"),
            {"u": at(D3, 9), "c": at(D3 + timedelta(days=30))},
        )
    _night(settings, D3)
    scored = _scored(engine, D3)
    assert "c-reopens" in scored and "c-closes" not in scored
    assert "c-2025-06-03-1" in scored  # its quarantined closing version does not count; the open one does
    assert _active(engine, D3) == len(scored)
    with engine.connect() as conn:
        reason = conn.execute(
            sa.text(
                "select reason from quality.quarantine where row_key like 'c-2025-06-03-1|%' "
                "and expectation = 'expect_column_values_to_be_between(closed_at)'"
            )
        ).scalar()
    assert reason == "closed_at is after the end of the run date or absurdly old"
