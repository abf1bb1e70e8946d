"""Scoring's bad input: no champion, an unreachable warehouse, bad band cut-offs; nothing is published."""

from datetime import date

import pytest
import sqlalchemy as sa

from finrisk.config import Settings
from finrisk.errors import FinriskError
from finrisk.scoring.run import publish, score

D = date(2024, 7, 1)


def test_no_champion_is_one_line_saying_what_to_run_and_nothing_is_published(settings, engine):
    with pytest.raises(FinriskError) as err:
        score(settings, D)
    message = str(err.value)
    assert "no model has a @champion" in message and "finrisk train" in message and "\n" not in message
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from risk.risk_scores")).scalar() == 0
        assert conn.execute(sa.text("select count(*) from risk_stage.batches")).scalar() == 0
        status = conn.execute(sa.text("select status, error from ops.scoring_runs")).one()
    assert status.status == "failed" and "no model has a @champion" in status.error


def test_unreachable_warehouse_is_a_clear_error(tmp_path):
    bad = Settings(database_url="postgresql://postgres@127.0.0.1:1/nowhere", data_dir=tmp_path)
    with pytest.raises(FinriskError, match="unreachable"):
        score(bad, D)


def test_publish_without_staged_batches_says_so(settings):
    with pytest.raises(FinriskError, match="nothing is staged"):
        publish(settings, D)


def test_bad_band_cutoffs_are_refused(settings):
    cfg = settings.scoring.model_copy(update={"band_cutoffs": [0.5, 0.1, 0.2, 0.3]})
    with pytest.raises(FinriskError, match="band_cutoffs"):
        score(settings.model_copy(update={"scoring": cfg}), D)


def _cli(*args, env=None):
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_cli_errors_are_one_line(db_url, mlflow_url, tmp_path):
    env = {"FINRISK_DATABASE_URL": db_url, "MLFLOW_TRACKING_URI": mlflow_url, "FINRISK_DATA_DIR": str(tmp_path)}
    for args, expected in (
        (("score", "--date", "2024-13-01"), "not a valid"),
        (("score", "--date", "2024-07-01", "--shard", "3/2"), "out of range"),
        (("score", "--date", "2024-07-01"), "no model has a @champion"),
        (("publish", "--date", "2024-07-01"), "nothing is staged"),
    ):
        result = _cli(*args, env=env)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr and expected in result.stderr
