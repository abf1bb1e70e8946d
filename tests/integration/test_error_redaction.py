"""One redaction for every one-line error: a password in a failing URL reaches no ops.* table and no log.

Uses the tiny trained models of test_score.py (its fixtures are imported, so this module trains its own copy
once). The failure is raised inside a real scoring run, after its run row exists, with the password in the
exception text the way a driver echoes the URL it was given.
"""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from test_score import D1, _champions, _engine, env, trained  # noqa: F401  (fixtures)

from finrisk.alerts import one_line as alerts_one_line
from finrisk.alerts import redact as alerts_redact
from finrisk.errors import one_line, redact
from finrisk.scoring import run as scoring

SECRET = "Sup3r-S3cret@pw"


@pytest.fixture()
def hooks():
    """Hooks set by the test are removed afterwards."""
    yield scoring.Hooks
    scoring.Hooks.at = None


def _ops_text(engine) -> str:
    """Every row of every ops.* table, as text."""
    with engine.connect() as conn:
        tables = (
            conn.execute(
                sa.text(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'ops' and table_type = 'BASE TABLE'"
                )
            )
            .scalars()
            .all()
        )
        return "\n".join(
            str(row) for table in tables for row in conn.execute(sa.text(f'select * from ops."{table}"')).all()
        )


def test_a_password_in_a_failing_url_reaches_no_ops_table_and_no_log(env, hooks, caplog):
    url = f"postgresql://risk:{SECRET}@warehouse.internal:5432/finrisk"

    def fail(point: str) -> None:
        if point == "locked":
            raise RuntimeError(f"could not translate host name for {url}\nDETAIL: more lines")

    hooks.at = fail
    versions = {"champion": _champions(env)}
    with caplog.at_level(logging.DEBUG), pytest.raises(RuntimeError):
        scoring.score(env, D1, versions=versions)
    engine = _engine(env)
    with engine.connect() as conn:
        error = conn.execute(
            sa.text("select error from ops.scoring_runs where status = 'failed' order by started_at desc limit 1")
        ).scalar_one()
    assert error == "could not translate host name for postgresql://risk:***@warehouse.internal:5432/finrisk"
    assert SECRET not in _ops_text(engine) and "S3cret" not in _ops_text(engine)
    assert "S3cret" not in caplog.text


def test_one_redaction_serves_alerts_and_errors():
    text = f"dsn host=db password={SECRET} and postgresql+psycopg2://u:{SECRET}@h/db\nsecond line"
    assert alerts_redact is redact and alerts_one_line is one_line
    assert one_line(RuntimeError(text)) == "dsn host=db password=*** and postgresql+psycopg2://u:***@h/db"
