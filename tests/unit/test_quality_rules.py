"""Every row-level rule has a quarantine predicate under the same label, and the suites are well formed."""

from __future__ import annotations

from datetime import date

import pytest

from finrisk.config import SQL_DIR, QualitySettings
from finrisk.dates import end_of_day as cutoff_for
from finrisk.ingest import TABLES
from finrisk.quality import rules
from finrisk.quality.countries import COUNTRY_CODES

D = date(2025, 3, 3)


@pytest.mark.parametrize("table", TABLES)
def test_row_rules_match_quarantine_sql(table):
    q = QualitySettings()
    sql = (SQL_DIR / "quality" / f"quarantine_{table}.sql").read_text()
    row_rules = rules.row_rules(table, q, rules.bounds(q, D, cutoff_for(D)))
    labels = [r.label for r in row_rules]
    assert len(labels) == len(set(labels))
    for rule in row_rules:
        assert rule.row_level and f"'{rule.label}'" in sql, rule.label
        assert rule.expectation.meta["finrisk_label"] == rule.label
    assert sql.count("union all") + 1 == len(labels)


@pytest.mark.parametrize("table", TABLES)
def test_schema_rules_cover_every_column(table):
    schema = rules.schema_rules(table)
    assert not any(r.row_level for r in schema)
    assert {r.column for r in schema if r.column} == set(rules.COLUMN_TYPES[table])


def test_tolerances_come_from_settings():
    q = QualitySettings(mostly=0.95, max_amount=500.0, currencies=["EUR"])
    by_label = {r.label: r for r in rules.row_rules("transactions", q, rules.bounds(q, D, cutoff_for(D)))}
    amount = by_label["expect_column_values_to_be_between(amount)"].expectation
    assert amount.max_value == 500.0 and amount.mostly == 0.95
    assert by_label["expect_column_values_to_be_in_set(currency)"].expectation.value_set == ["EUR"]


def test_country_codes_are_iso_alpha2():
    assert len(COUNTRY_CODES) == 249 and len(set(COUNTRY_CODES)) == 249
    assert all(len(c) == 2 and c.isupper() for c in COUNTRY_CODES)
    assert {"DE", "US", "GB", "CH"} <= set(COUNTRY_CODES)


def test_volume_band_learns_daily_loads_and_quiet_days():
    from finrisk.quality.volume import band_from_loads

    q = QualitySettings()
    first = band_from_loads(q, [])  # the day after the backlog: nothing to compare with
    assert first.allows(0) and first.allows(10**6) and "backlog" in first.note
    busy = band_from_loads(q, [20, 20, 20])
    assert (busy.min_rows, busy.max_rows) == (4, 200) and not busy.allows(0)
    quiet = band_from_loads(q, [0, 30, 0])  # quiet days seen: zero is normal, the top comes from busy days
    assert (quiet.min_rows, quiet.max_rows) == (0, 300) and "2 of 3 day(s) were empty" in quiet.note
    assert band_from_loads(q, [0, 0]).max_rows is None  # never [0, 0]
    small = band_from_loads(q, [2, 1, 3])  # e^-2 = 0.14: an empty day is likely
    assert small.allows(0) and "likely" in small.note
