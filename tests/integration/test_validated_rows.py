"""A row is clean only once a validation run has passed it (issue 20, defect 1).

Before, the clean views were "staged minus quarantined" and `score` checked only that the date's
latest validation run passed, so rows no validation had seen reached scoring: a profile nested
3,000 levels deep crashed it with a RecursionError traceback. Both ways in are driven through
the steps and the real CLI, on the tiny trained champions of test_score.py:

- rows ingested for a date after its validation passed (the re-ingest of a validated date);
- a batch ingested but never validated (validation killed), followed by a date that validates.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import source_rows
import sqlalchemy as sa
from test_score import D2, _rows, env, trained  # noqa: F401  (fixtures)

from finrisk import steps
from finrisk.db.engine import get_engine
from finrisk.errors import FinriskError
from finrisk.scoring import run as scoring

D = D2 + timedelta(days=5)
E = D + timedelta(days=1)
F = E + timedelta(days=1)


def _quick(settings):
    return settings.model_copy(update={"scoring": settings.scoring.model_copy(update={"reason_codes": 0})})


def _deep_customer(engine, cid: str, day) -> None:
    """A source customer whose profile nests 3,000 levels: Python's json cannot even read it back."""
    deep = '{"a": ' * 3000 + "1" + "}" * 3000
    with engine.begin() as conn:
        conn.execute(
            sa.text("""
            insert into source.customers (customer_id, updated_at, segment, company, profile, notes)
            values (:cid, :at, 'retail', 'Acme AG', cast(:profile as jsonb), 'deep')"""),
            {"cid": cid, "at": source_rows.at(day, 18), "profile": deep},
        )


def _cli_score(settings, day):
    cli_env = {
        **os.environ,
        "FINRISK_DATABASE_URL": settings.database_url,
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "FINRISK_DATA_DIR": str(settings.data_dir),
        "FINRISK_SCORING__REASON_CODES": "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "finrisk.cli", "score", "--date", day.isoformat()],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=300,
    )


def _clean_ids(engine) -> set[str]:
    return {r["customer_id"] for r in _rows(engine, "select customer_id from staging.clean_customers")}


def _scored(engine, day) -> set[str]:
    return {
        r["customer_id"] for r in _rows(engine, "select customer_id from risk.risk_scores where score_date = :d", d=day)
    }


def test_rows_ingested_after_their_dates_validation_are_not_scored_until_validated(env):
    settings = _quick(env)
    engine = get_engine(settings)
    source_rows.good_day(engine, D, n=3)
    steps.ingest(settings, D)
    steps.validate(settings, D)
    assert scoring.score(settings, D).status == "published"
    assert f"c-{D}-0" in _scored(engine, D)

    # the date is validated and published; then upstream writes a customer dated D, and D is ingested again
    _deep_customer(engine, "c-deep", D)
    assert steps.ingest(settings, D)["rows"]["customers"] == 1
    refused = _cli_score(settings, D)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr[-3000:]
    errors = [x for x in refused.stderr.splitlines() if x.startswith("finrisk: error:")]
    assert len(errors) == 1 and errors[0] == refused.stderr.strip().splitlines()[-1]
    line = errors[0]
    assert f"staging.customers has 1 row ingested for {D} that no validation has passed" in line
    assert f"finrisk validate --date {D}" in line
    assert "c-deep" not in _clean_ids(engine)  # no validation has seen it

    # validating the date judges the new row (quarantined, too deep), and the night scores without it
    steps.validate(settings, D)
    held = _rows(engine, "select expectation from quality.quarantine where row_key like 'c-deep|%' order by 1")
    # 3,000 nested objects are too deep and, counted through every level, too many keys
    assert [r["expectation"] for r in held] == [
        "unexpected_rows_expectation(profile_depth)",
        "unexpected_rows_expectation(profile_keys)",
    ]
    assert scoring.score(settings, D).status == "published"
    assert "c-deep" not in _scored(engine, D) and f"c-{D}-2" in _scored(engine, D)


def test_a_night_refuses_to_score_while_an_earlier_batch_is_unvalidated(env):
    settings = _quick(env)
    engine = get_engine(settings)
    source_rows.good_day(engine, E, n=3)
    _deep_customer(engine, "c-deep-e", E)
    steps.ingest(settings, E)  # ... and validation of E is killed: it never runs
    source_rows.good_day(engine, F, n=3)
    steps.ingest(settings, F)
    steps.validate(settings, F)  # F itself passes

    refused = _cli_score(settings, F)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr[-3000:]
    assert f"validate --date {E}" in refused.stderr
    with pytest.raises(FinriskError) as err:
        scoring.score(settings, F)
    message = str(err.value)
    assert "\n" not in message
    assert f"ingested for {E} that no validation has passed" in message and f"finrisk validate --date {E}" in message
    assert not {"c-deep-e", f"c-{E}-0"} & _clean_ids(engine)

    # once E is validated the night scores F with E's clean customers, never the deep one
    steps.validate(settings, E)
    result = scoring.score(settings, F)
    assert result.status == "published"
    scored = _scored(engine, F)
    assert {f"c-{E}-0", f"c-{F}-0"} <= scored and "c-deep-e" not in scored
