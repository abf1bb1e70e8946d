"""Property-based hostile input (issue 10, "Also build"): any rows the source contract allows.

Hypothesis writes source rows of every table with every type the contract allows (any text
but NUL, any JSON, NULLs, NaN and extreme amounts, ±infinity and absurd times, colliding and
padded ids), then ingest and validation run for the date, and the serializers write every
clean record. The invariants:

- every source row in scope is staged exactly once, and every staged row is in exactly one of
  clean (`staging.clean_*`) or quarantine;
- text and JSON are staged byte for byte;
- neither ingest nor validation raises, and `to_text` never raises on a clean record.

Each test function has its own database; it is truncated between examples. Examples are few
and small (a validation run costs seconds), so the suite runs in tens of seconds.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from source_rows import COLUMNS

from finrisk.features.serialize import to_text
from finrisk.ingest import TABLES, run_ingest
from finrisk.quality import run_validation

D = date(2025, 9, 15)
START = datetime(D.year, D.month, D.day, tzinfo=UTC)
HOSTILE = [
    "",
    " ",
    "\t\r\n",
    "'; drop table source.customers; --",
    "Привет مرحبا 👋🏽 e\u0301",
    "\u202e\u200b",
    "\x07\x1b\x7f",
    "null",
    "{}",
    "%s :name",
]
TEXT_COLUMNS = {
    "customers": ("customer_id", "segment", "company", "notes"),
    "credit_outcomes": ("customer_id",),
    "transactions": ("txn_id", "customer_id", "currency", "merchant", "description", "channel", "country"),
    "fraud_labels": ("txn_id",),
    "news_articles": ("article_id", "source", "headline", "body"),
    "news_labels": ("article_id", "sentiment"),
}
JSON_COLUMNS = {"profile", "companies"}

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12) | st.sampled_from(
    HOSTILE
)
maybe_text = st.none() | text
json_scalar = (
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False, allow_infinity=False) | text
)
json_value = st.recursive(
    json_scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8
).map(lambda v: json.dumps(v, ensure_ascii=False))
deep_json = st.integers(30, 3000).map(lambda n: '{"a": ' * n + "1" + "}" * n)  # too deep for Python to write
profile = st.one_of(
    st.just("{}"), st.dictionaries(text, json_scalar, max_size=4).map(json.dumps), json_value, deep_json
)
companies = st.one_of(
    st.none(), st.lists(st.sampled_from(["Acme AG", "Beta plc"]) | text, max_size=3).map(json.dumps), json_value
)
moment = st.one_of(
    st.integers(0, 86_399).map(lambda s: START + timedelta(seconds=s)),  # mostly the run date
    st.datetimes(datetime(1900, 1, 1), datetime(2025, 9, 15), timezones=st.just(UTC)),
    st.sampled_from(["infinity", "-infinity"]),
)
maybe_moment = st.none() | moment
day = st.one_of(st.none(), st.just(D), st.dates(date(1900, 1, 1), D), st.sampled_from(["infinity", "-infinity"]))
amount = st.one_of(
    st.none(),
    st.decimals(Decimal("-1e12"), Decimal("1e12"), allow_nan=True),
    st.sampled_from([Decimal("1e-30"), Decimal("0"), Decimal("42.50"), Decimal("NaN")]),
)
flag = st.none() | st.booleans()
customer_id = st.sampled_from(["c1", "c2", "c3", "c1 ", ""]) | text
txn_id = st.sampled_from(["t1", "t2", "t3", " t1", ""]) | text
article_id = st.sampled_from(["a1", "a2", "a3", "a1\n", ""]) | text

ROWS = {
    "customers": st.lists(
        st.fixed_dictionaries(
            {
                "customer_id": customer_id,
                "updated_at": moment,
                "segment": maybe_text,
                "company": maybe_text,
                "profile": profile,
                "notes": maybe_text,
            }
        ),
        max_size=5,
        unique_by=lambda r: r["customer_id"],
    ),
    "credit_outcomes": st.lists(
        st.fixed_dictionaries({"customer_id": st.none() | customer_id, "snapshot_date": day, "defaulted": flag}),
        max_size=4,
    ),
    "transactions": st.lists(
        st.fixed_dictionaries(
            {
                "txn_id": txn_id,
                "customer_id": st.none() | customer_id,
                "occurred_at": maybe_moment,
                "amount": amount,
                "currency": st.none() | st.sampled_from(["EUR", "DOGE", "eur"]) | text,
                "merchant": maybe_text,
                "description": maybe_text,
                "channel": maybe_text,
                "country": st.none() | st.sampled_from(["DE", "XX", "de"]) | text,
            }
        ),
        max_size=5,
        unique_by=lambda r: r["txn_id"],
    ),
    "fraud_labels": st.lists(
        st.fixed_dictionaries({"txn_id": st.none() | txn_id, "is_fraud": flag, "labeled_at": maybe_moment}), max_size=4
    ),
    "news_articles": st.lists(
        st.fixed_dictionaries(
            {
                "article_id": article_id,
                "published_at": maybe_moment,
                "source": maybe_text,
                "headline": maybe_text,
                "body": maybe_text,
                "companies": companies,
            }
        ),
        max_size=4,
        unique_by=lambda r: r["article_id"],
    ),
    "news_labels": st.lists(
        st.fixed_dictionaries(
            {
                "article_id": st.none() | article_id,
                "sentiment": st.none() | st.sampled_from(["negative", "neutral", "positive", "bullish"]) | text,
            }
        ),
        max_size=4,
    ),
}
batches = st.fixed_dictionaries(ROWS)

NASTY = {
    "customers": [
        {
            "customer_id": "c1",
            "updated_at": START,
            "segment": None,
            "company": "x" * 3000,
            "profile": '{"a": ' * 3000 + "1" + "}" * 3000,
            "notes": None,
        },
        {
            "customer_id": "c2",
            "updated_at": "infinity",
            "segment": "",
            "company": None,
            "profile": "[]",
            "notes": "\u202e",
        },
        {
            "customer_id": "c3",
            "updated_at": START,
            "segment": None,
            "company": None,
            "profile": '{"income": 1' + "0" * 5000 + "}",
            "notes": None,
        },
    ],
    "credit_outcomes": [
        {"customer_id": "c1", "snapshot_date": D, "defaulted": True},
        {"customer_id": "c1", "snapshot_date": D, "defaulted": False},
    ],
    "transactions": [
        {
            "txn_id": "t1",
            "customer_id": "c1",
            "occurred_at": START,
            "amount": Decimal("1e-30"),
            "currency": "EUR",
            "merchant": None,
            "description": None,
            "channel": None,
            "country": None,
        }
    ],
    "fraud_labels": [{"txn_id": "t1", "is_fraud": True, "labeled_at": START - timedelta(days=1)}],
    "news_articles": [
        {
            "article_id": "a1",
            "published_at": START,
            "source": None,
            "headline": None,
            "body": None,
            "companies": '[1, null, "Acme AG"]',
        }
    ],
    "news_labels": [{"article_id": "a1", "sentiment": "neutral"}],
}

_TRUNCATE = sa.text(
    "truncate "
    + ", ".join(f"source.{t}, staging.{t}" for t in TABLES)
    + ", quality.quarantine, quality.validation_runs, quality.expectation_results, ops.ingest_watermarks,"
    " ops.ingest_runs restart identity"
)


def _load(engine: sa.Engine, batch: dict[str, list[dict]]) -> None:
    with engine.begin() as conn:
        conn.execute(_TRUNCATE)
        for table, rows in batch.items():
            if not rows:
                continue
            cols = COLUMNS[table]
            values = ", ".join(f"cast(:{c} as jsonb)" if c in JSON_COLUMNS else f":{c}" for c in cols)
            conn.execute(sa.text(f"insert into source.{table} ({', '.join(cols)}) values ({values})"), rows)


def _check_invariants(settings, engine: sa.Engine, batch: dict[str, list[dict]]) -> None:
    from finrisk.models.specs import SPECS

    run_ingest(settings, D)
    run_validation(settings, D)
    with engine.connect() as conn:
        for table in TABLES:
            cols = COLUMNS[table]
            listed = ", ".join(cols)
            # every source row (all are in scope: no event time after the run date) staged exactly once, byte
            # for byte: the two multisets of rows are equal
            unmatched = conn.execute(
                sa.text(
                    f"select (select count(*) from (select {listed} from source.{table} except all "
                    f"select {listed} from staging.{table}) a) + (select count(*) from (select {listed} from "
                    f"staging.{table} except all select {listed} from source.{table}) b)"
                )
            ).scalar()
            staged, clean, held, both = conn.execute(
                sa.text(
                    f"select (select count(*) from staging.{table}), (select count(*) from staging.clean_{table}), "
                    "(select count(distinct row_id) from quality.quarantine where table_name = :t), "
                    f"(select count(*) from staging.clean_{table} c join quality.quarantine q "
                    " on q.table_name = :t and q.row_id = c.row_id)"
                ),
                {"t": f"staging.{table}"},
            ).one()
            assert unmatched == 0, f"{table}: {unmatched} row(s) differ between source and staging"
            assert staged == len(batch[table]), table
            assert staged == clean + held and both == 0, f"{table}: staged {staged}, clean {clean}, quarantined {held}"
            for column in TEXT_COLUMNS[table]:  # through the driver too: what we wrote is what we read
                sent = sorted(r[column] for r in batch[table] if r[column] is not None)
                got = sorted(
                    conn.execute(sa.text(f"select {column} from staging.{table} where {column} is not null")).scalars()
                )
                assert got == sent, f"{table}.{column} not byte-exact"
        for spec in SPECS.values():  # the serializers on every clean record of the date
            for record in spec.scoring_records(conn, D):
                assert isinstance(to_text(record.fields), str)


@hsettings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=batches)
@example(batch=NASTY)
def test_any_contract_rows_end_clean_or_quarantined_byte_exact(settings, engine, batch):
    _load(engine, batch)
    _check_invariants(settings, engine, batch)
