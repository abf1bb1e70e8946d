"""Oversized profiles are quarantined in SQL with the reason (issue 20, defect 7).

Before the fix a 50 MB profile (5,000 keys of 10 KB) passed validation and was scored: the
night took 101 s and 3.7 GB instead of 15 s and 0.76 GB. Profiles over `max_profile_bytes`,
`max_profile_keys` or `max_profile_value_chars` are now quarantined by validation (GX and the
quarantine SQL), measured in the database, so the row never reaches Python; a profile at the
limits passes. Smaller stand-ins keep the test fast: each breaks exactly one limit.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from source_rows import at, customer, good_day, insert

from finrisk.config import QualitySettings
from finrisk.ingest import run_ingest
from finrisk.quality import run_validation

D = date(2025, 6, 2)
ROWS = "unexpected_rows_expectation"
DEFAULTS = QualitySettings()


def _keys(n: int, value: str = "x") -> dict:
    return {f"attr{i:05d}": value for i in range(n)}


CASES = {
    # customer id: (profile, the label it must be quarantined under, or None when it passes)
    "c-many-keys": (_keys(DEFAULTS.max_profile_keys + 1), f"{ROWS}(profile_keys)"),
    "c-nested-keys": ({"outer": _keys(DEFAULTS.max_profile_keys)}, f"{ROWS}(profile_keys)"),  # 501 at all levels
    "c-long-value": ({"address": "é" * (DEFAULTS.max_profile_value_chars + 1)}, f"{ROWS}(profile_values)"),
    "c-deep-long-value": ({"a": [{"b": "y" * (DEFAULTS.max_profile_value_chars + 1)}]}, f"{ROWS}(profile_values)"),
    # 40 values of 2,000 characters: each value and the key count are fine, the whole is 80 KB
    "c-big-total": (_keys(40, "z" * 2_000), f"{ROWS}(profile_bytes)"),
    # exactly at the key and value limits, under the byte limit: passes
    "c-at-limits": ({**_keys(DEFAULTS.max_profile_keys - 1), "long": "w" * DEFAULTS.max_profile_value_chars}, None),
}


def test_oversized_profiles_are_quarantined_with_their_reason(settings, engine):
    good_day(engine, D, n=3)
    insert(engine, "customers", *[customer(cid, at(D), profile=profile) for cid, (profile, _) in CASES.items()])
    run_ingest(settings, D)
    report = run_validation(settings, D)

    with engine.connect() as conn:
        held = {
            (r.row_key.split("|")[0], r.expectation): r.reason
            for r in conn.execute(
                sa.text(
                    "select row_key, expectation, reason from quality.quarantine where table_name = 'staging.customers'"
                )
            )
        }
        clean = set(conn.execute(sa.text("select customer_id from staging.clean_customers")).scalars())
    for cid, (_, label) in CASES.items():
        if label is None:
            assert cid in clean and not [k for k in held if k[0] == cid], (cid, held)
        else:
            assert (cid, label) in held, (cid, label, sorted(held))
            assert cid not in clean, cid
    assert held[("c-many-keys", f"{ROWS}(profile_keys)")] == "profile holds more than max_profile_keys keys"
    assert (
        held[("c-long-value", f"{ROWS}(profile_values)")] == "profile holds a value longer than max_profile_value_chars"
    )
    assert held[("c-big-total", f"{ROWS}(profile_bytes)")] == "profile is larger than max_profile_bytes"
    assert not [k for k in held if k[0] == "c-big-total" and k[1] != f"{ROWS}(profile_bytes)"]

    # GX agrees with the quarantine SQL: each size expectation failed on the rows it quarantined
    outcomes = {o.label: o for o in report.tables["customers"].outcomes}
    for name, count in (("profile_keys", 2), ("profile_values", 2), ("profile_bytes", 1)):
        outcome = outcomes[f"{ROWS}({name})"]
        assert not outcome.success and outcome.unexpected_count == count, (name, outcome)


def test_size_limits_are_settings(settings, engine):
    tight = settings.model_copy(
        update={"quality": QualitySettings(max_profile_bytes=200, max_profile_keys=3, max_profile_value_chars=10)}
    )
    good_day(engine, D, n=3)  # the good day's profiles: 2 keys, short values, ~40 bytes
    insert(
        engine,
        "customers",
        customer("c-4-keys", at(D), profile=_keys(4)),
        customer("c-11-chars", at(D), profile={"city": "Kraków-Nowa"}),
        customer("c-300-bytes", at(D), profile={"a": "1234567890", "b": [1] * 100}),
    )
    run_ingest(tight, D)
    run_validation(tight, D)
    with engine.connect() as conn:
        held = {
            (r.row_key.split("|")[0], r.expectation)
            for r in conn.execute(
                sa.text("select row_key, expectation from quality.quarantine where table_name = 'staging.customers'")
            )
        }
    assert held == {
        ("c-4-keys", f"{ROWS}(profile_keys)"),
        ("c-11-chars", f"{ROWS}(profile_values)"),
        ("c-300-bytes", f"{ROWS}(profile_bytes)"),
    }, held
