"""The expectations each staged table must meet, as Great Expectations suites.

A `Rule` pairs a GX expectation with a label. Row-level rules (`row_level=True`) also have a
predicate under the same label in `sql/quality/quarantine_<table>.sql`, which quarantines every
failing row set-based (GX's own unexpected lists stop at 200 rows). Batch-level rules (schema,
types, volume) never quarantine rows; when they fail, validation stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import great_expectations as gx
from great_expectations.expectations.expectation import Expectation

from finrisk.config import QualitySettings
from finrisk.quality.countries import COUNTRY_CODES

TEXT, NUMERIC, TSTZ, JSONB, BOOL, DATE, BIGINT = (
    "TEXT",
    "NUMERIC",
    "TIMESTAMP WITH TIME ZONE",
    "JSONB",
    "BOOLEAN",
    "DATE",
    "BIGINT",
)
_META = {"row_id": BIGINT, "ingest_date": DATE, "loaded_at": TSTZ, "known_at": TSTZ}

# The staging schema validation expects: source columns plus load metadata (CONTRACTS.md).
COLUMN_TYPES: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": TEXT,
        "updated_at": TSTZ,
        "segment": TEXT,
        "company": TEXT,
        "profile": JSONB,
        "notes": TEXT,
        **_META,
        "closed_at": TSTZ,
    },
    "credit_outcomes": {"customer_id": TEXT, "snapshot_date": DATE, "defaulted": BOOL, **_META},
    "transactions": {
        "txn_id": TEXT,
        "customer_id": TEXT,
        "occurred_at": TSTZ,
        "amount": NUMERIC,
        "currency": TEXT,
        "merchant": TEXT,
        "description": TEXT,
        "channel": TEXT,
        "country": TEXT,
        **_META,
    },
    "fraud_labels": {"txn_id": TEXT, "is_fraud": BOOL, "labeled_at": TSTZ, **_META},
    "news_articles": {
        "article_id": TEXT,
        "published_at": TSTZ,
        "source": TEXT,
        "headline": TEXT,
        "body": TEXT,
        "companies": JSONB,
        **_META,
    },
    "news_labels": {"article_id": TEXT, "sentiment": TEXT, **_META},
}

# Batch-scoped custom checks: {batch} is the day's batch as GX substitutes it; {depth} the jsonpath
# level one past max_json_depth (filled in here; the doubled braces are for GX's own str.format). Each has a
# predicate under the same label in the quarantine SQL.
_B = "with b as (select * from {batch}) select b.row_id from b "
_KNOWN = {
    "customer_known": _B + "where b.customer_id is not null "
    "and not exists (select 1 from staging.customers c where c.customer_id = b.customer_id)",
    "customer_clean": _B + "where exists (select 1 from staging.customers c where c.customer_id = b.customer_id) "
    # not the windowed clean_customers view: a correlated anti-join into it cannot use an index,
    # and GX's EXTRACT() day filter makes the planner expect one row and loop over the whole view
    "and not exists (select 1 from staging.customers c where c.customer_id = b.customer_id "
    "and not exists (select 1 from quality.quarantine q where q.table_name = 'staging.customers' "
    "and q.row_id = c.row_id))",
    "transaction_known": _B + "where b.txn_id is not null "
    "and not exists (select 1 from staging.transactions t where t.txn_id = b.txn_id)",
    "transaction_clean": _B + "where exists (select 1 from staging.transactions t where t.txn_id = b.txn_id) "
    "and not exists (select 1 from staging.transactions t where t.txn_id = b.txn_id and not exists "
    # not the clean view: this run's own batch is validated but not yet marked
    "(select 1 from quality.quarantine q where q.table_name = 'staging.transactions' "
    "and q.row_id = t.row_id))",
    "article_known": _B + "where b.article_id is not null "
    "and not exists (select 1 from staging.news_articles a where a.article_id = b.article_id)",
    "article_clean": _B + "where exists (select 1 from staging.news_articles a where a.article_id = b.article_id) "
    "and not exists (select 1 from staging.news_articles a where a.article_id = b.article_id and not exists "
    "(select 1 from quality.quarantine q where q.table_name = 'staging.news_articles' "
    "and q.row_id = a.row_id))",
    "profile_is_object": _B + "where jsonb_typeof(b.profile) is distinct from 'object'",
    "profile_depth": _B + "where jsonb_path_exists(b.profile, 'strict $.**{{{{{depth}}}}}')",
    "profile_numbers": _B + "where jsonb_path_exists(b.profile, "
    "'strict $.** ? (@.type() == \"number\" && (@ >= 1e300 || @ <= -1e300))')",
    # Size limits, measured in the database so an oversized profile is never read into Python whole.
    "profile_bytes": _B + "where octet_length(b.profile::text) > {max_bytes}",
    "profile_keys": _B + "where (select count(*) from jsonb_path_query(b.profile, "
    "'strict $.** ? (@.type() == \"object\").keyvalue()')) > {max_keys}",
    "profile_values": _B + "where exists (select 1 from jsonb_path_query(b.profile, "
    "'strict $.** ? (@.type() == \"string\")') v where char_length(jsonb_build_array(v) ->> 0) "
    "> {max_chars})",
    "companies_is_array": _B + "where jsonb_typeof(b.companies) is distinct from 'array'",
    "companies_are_strings": _B + "where jsonb_typeof(b.companies) = 'array' and exists "
    "(select 1 from jsonb_array_elements(b.companies) e where jsonb_typeof(e) <> 'string')",
    "outcome_conflict": _B
    + "where exists (select 1 from staging.credit_outcomes e where e.customer_id = b.customer_id "
    "and e.snapshot_date = b.snapshot_date and e.defaulted is distinct from b.defaulted "
    "and (e.ingest_date = b.ingest_date or e.row_id < b.row_id))",
    "label_conflict": _B + "where exists (select 1 from staging.fraud_labels e where e.txn_id = b.txn_id "
    "and e.labeled_at = b.labeled_at and e.is_fraud is distinct from b.is_fraud "
    "and (e.ingest_date = b.ingest_date or e.row_id < b.row_id))",
    "label_before_transaction": _B + "where exists (select 1 from staging.transactions t where t.txn_id = b.txn_id "
    "and b.labeled_at < t.occurred_at)",
}
# An identifier with surrounding whitespace would pose as another ('c-1 ' beside 'c-1').
PADDED = r"^\s|\s$"
BLANK = r"^\s*$"


@dataclass(frozen=True)
class Rule:
    """One expectation of a table's suite, under the label results and quarantine use."""

    label: str
    expectation: Expectation
    row_level: bool
    column: str | None = None


@dataclass(frozen=True)
class Bounds:
    """The run-date-dependent limits: event times must lie in [min_event_at, cutoff_at)."""

    run_date: date
    cutoff_at: datetime
    min_event_at: datetime


def bounds(quality: QualitySettings, run_date: date, cutoff_at: datetime) -> Bounds:
    """The event-time window for a run date."""
    return Bounds(run_date, cutoff_at, datetime(quality.min_event_year, 1, 1, tzinfo=UTC))


def _meta(label: str) -> dict:
    return {"finrisk_label": label}


def _col(kind: str, column: str, factory, **kw) -> Rule:
    label = f"{kind}({column})"
    return Rule(label, factory(column=column, meta=_meta(label), **kw), True, column)


def _compound(columns: list[str], mostly: float) -> Rule:
    label = f"expect_compound_columns_to_be_unique({','.join(columns)})"
    exp = gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=columns, mostly=mostly, meta=_meta(label))
    return Rule(label, exp, True, ",".join(columns))


def _query(name: str, description: str, **fmt: int) -> Rule:
    label = f"unexpected_rows_expectation({name})"
    sql = _KNOWN[name].replace("{batch}", "\0").format(**fmt).replace("\0", "{batch}")
    exp = gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=sql, description=description, meta=_meta(label)
    )
    return Rule(label, exp, True, None)


def _key(column: str, q: QualitySettings) -> list[Rule]:
    """An identifier: 1..max_key_chars characters, no surrounding whitespace."""
    return [
        _col(
            "expect_column_value_lengths_to_be_between",
            column,
            gx.expectations.ExpectColumnValueLengthsToBeBetween,
            min_value=1,
            max_value=q.max_key_chars,
            mostly=q.mostly,
        ),
        _col(
            "expect_column_values_to_not_match_regex",
            column,
            gx.expectations.ExpectColumnValuesToNotMatchRegex,
            regex=PADDED,
            mostly=q.mostly,
        ),
    ]


def _names(columns: list[str], q: QualitySettings) -> list[Rule]:
    """Short text (names, codes): at most max_name_chars characters."""
    return [
        _col(
            "expect_column_value_lengths_to_be_between",
            c,
            gx.expectations.ExpectColumnValueLengthsToBeBetween,
            max_value=q.max_name_chars,
            mostly=q.mostly,
        )
        for c in columns
    ]


def _not_null(columns: list[str], mostly: float) -> list[Rule]:
    return [
        _col("expect_column_values_to_not_be_null", c, gx.expectations.ExpectColumnValuesToNotBeNull, mostly=mostly)
        for c in columns
    ]


def _in_window(column: str, b: Bounds, mostly: float) -> Rule:
    return _col(
        "expect_column_values_to_be_between",
        column,
        gx.expectations.ExpectColumnValuesToBeBetween,
        min_value=b.min_event_at,
        max_value=b.cutoff_at,
        strict_max=True,
        mostly=mostly,
    )


def _max_len(column: str, q: QualitySettings, min_value: int | None = None) -> Rule:
    return _col(
        "expect_column_value_lengths_to_be_between",
        column,
        gx.expectations.ExpectColumnValueLengthsToBeBetween,
        min_value=min_value,
        max_value=q.max_text_chars,
        mostly=q.mostly,
    )


def _unique(column: str, mostly: float) -> Rule:
    return _col(
        "expect_column_values_to_be_unique", column, gx.expectations.ExpectColumnValuesToBeUnique, mostly=mostly
    )


def schema_rules(table: str) -> list[Rule]:
    """Batch-level: the staging table has exactly the contract's columns, with their types."""
    types = COLUMN_TYPES[table]
    label = "expect_table_columns_to_match_set"
    rules = [
        Rule(
            label,
            gx.expectations.ExpectTableColumnsToMatchSet(column_set=list(types), exact_match=True, meta=_meta(label)),
            False,
        )
    ]
    for column, type_ in types.items():
        label = f"expect_column_values_to_be_of_type({column})"
        rules.append(
            Rule(
                label,
                gx.expectations.ExpectColumnValuesToBeOfType(column=column, type_=type_, meta=_meta(label)),
                False,
                column,
            )
        )
    return rules


def volume_rule(min_rows: int, max_rows: int | None) -> Rule:
    """Batch-level: the batch's row count lies in the band the recent history allows."""
    label = "expect_table_row_count_to_be_between"
    exp = gx.expectations.ExpectTableRowCountToBeBetween(min_value=min_rows, max_value=max_rows, meta=_meta(label))
    return Rule(label, exp, False)


def row_rules(table: str, q: QualitySettings, b: Bounds) -> list[Rule]:
    """Row-level rules of one table: each failing row is quarantined under the rule's label."""
    m = q.mostly
    if table == "customers":
        return [
            *_not_null(["customer_id", "updated_at"], m),
            _compound(["customer_id", "updated_at"], m),
            _in_window("updated_at", b, m),
            _max_len("notes", q),
            _query("profile_is_object", "profile is a JSON object"),
            *_key("customer_id", q),
            *_names(["segment", "company"], q),
            _query("profile_depth", "profile nests at most max_json_depth levels", depth=q.max_json_depth + 1),
            _query("profile_numbers", "profile numbers within +-1e300 (larger ones cannot be read back)"),
            _query("profile_bytes", "profile JSON text at most max_profile_bytes", max_bytes=q.max_profile_bytes),
            _query(
                "profile_keys", "profile holds at most max_profile_keys keys (all levels)", max_keys=q.max_profile_keys
            ),
            _query(
                "profile_values",
                "profile string values at most max_profile_value_chars characters",
                max_chars=q.max_profile_value_chars,
            ),
            _in_window("closed_at", b, m),
        ]
    if table == "credit_outcomes":
        return [
            *_not_null(["customer_id", "snapshot_date", "defaulted"], m),
            _compound(["customer_id", "snapshot_date"], m),
            _col(
                "expect_column_values_to_be_between",
                "snapshot_date",
                gx.expectations.ExpectColumnValuesToBeBetween,
                min_value=b.min_event_at.date(),
                max_value=b.run_date,
                mostly=m,
            ),
            _query("customer_known", "outcomes point at staged customers"),
            _query("customer_clean", "outcomes point at customers with a clean version"),
            _query("outcome_conflict", "one outcome per customer and snapshot date"),
        ]
    if table == "transactions":
        return [
            *_not_null(["txn_id", "customer_id", "occurred_at", "amount", "currency", "country"], m),
            _unique("txn_id", m),
            _col(
                "expect_column_values_to_be_between",
                "amount",
                gx.expectations.ExpectColumnValuesToBeBetween,
                min_value=q.min_amount,
                max_value=q.max_amount,
                mostly=m,
            ),
            _col(
                "expect_column_values_to_be_in_set",
                "currency",
                gx.expectations.ExpectColumnValuesToBeInSet,
                value_set=list(q.currencies),
                mostly=m,
            ),
            _col(
                "expect_column_values_to_be_in_set",
                "country",
                gx.expectations.ExpectColumnValuesToBeInSet,
                value_set=list(COUNTRY_CODES),
                mostly=m,
            ),
            _in_window("occurred_at", b, m),
            _max_len("description", q),
            _query("customer_known", "transactions point at staged customers"),
            *_key("txn_id", q),
            *_names(["merchant", "channel"], q),
        ]
    if table == "fraud_labels":
        return [
            *_not_null(["txn_id", "is_fraud", "labeled_at"], m),
            _compound(["txn_id", "labeled_at"], m),
            _in_window("labeled_at", b, m),
            _query("transaction_known", "labels point at staged transactions"),
            _query("transaction_clean", "labels point at transactions that are not quarantined"),
            _query("label_conflict", "one verdict per transaction and label time"),
            _query("label_before_transaction", "a label comes after its transaction"),
        ]
    if table == "news_articles":
        return [
            *_not_null(["article_id", "published_at", "headline"], m),
            _unique("article_id", m),
            _in_window("published_at", b, m),
            _max_len("headline", q, min_value=1),
            _max_len("body", q),
            _query("companies_is_array", "companies is a JSON array"),
            *_key("article_id", q),
            *_names(["source"], q),
            _col(
                "expect_column_values_to_not_match_regex",
                "headline",
                gx.expectations.ExpectColumnValuesToNotMatchRegex,
                regex=BLANK,
                mostly=m,
            ),
            _query("companies_are_strings", "companies holds company names (strings)"),
        ]
    if table == "news_labels":
        return [
            *_not_null(["article_id", "sentiment"], m),
            _unique("article_id", m),
            _col(
                "expect_column_values_to_be_in_set",
                "sentiment",
                gx.expectations.ExpectColumnValuesToBeInSet,
                value_set=list(q.sentiments),
                mostly=m,
            ),
            _query("article_known", "labels point at staged articles"),
            _query("article_clean", "labels point at articles that are not quarantined"),
        ]
    raise KeyError(table)
