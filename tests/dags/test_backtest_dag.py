"""finrisk_backtest parses cheaply with the shape of the other DAGs; finrisk_nightly estimates after publishing."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
HEAVY = ("torch", "transformers", "pandas", "sklearn", "mlflow", "great_expectations", "scipy")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")


def test_backtest_dag_is_monthly_as_of_the_first_and_shaped_like_the_others(dagbag):
    assert dagbag.import_errors == {}
    dag = dagbag.dags["finrisk_backtest"]
    assert "finrisk" in dag.tags and "Schedule" in dag.doc_md and "When it fails" in dag.doc_md
    assert dag.max_active_runs == 1 and not dag.catchup
    assert dag.get_task("backtest_pds").upstream_task_ids == {"check_migrations"}
    for task in dag.tasks:
        assert task.owner == "risk-platform" and task.execution_timeout is not None and task.on_failure_callback
    from airflow.serialization.decoders import decode_timetable
    from airflow.serialization.encoders import encode_timetable
    from airflow.timetables.base import DataInterval, TimeRestriction

    timetable = decode_timetable(encode_timetable(dag.timetable))
    tick = datetime(2026, 4, 2, 5, tzinfo=UTC)
    month_before = DataInterval(datetime(2026, 3, 1, 5, tzinfo=UTC), datetime(2026, 3, 2, 5, tzinfo=UTC))
    info = timetable.next_dagrun_info(
        last_automated_data_interval=month_before, restriction=TimeRestriction(None, None, True)
    )
    # queued on the 2nd of April at 05:00, logical date the 1st: the back-test is as of 1 April
    assert (info.run_after, info.logical_date.date()) == (tick, date(2026, 4, 1))


def test_nightly_estimates_performance_after_publishing(dagbag):
    dag = dagbag.dags["finrisk_nightly"]
    assert dag.get_task("estimate_performance").upstream_task_ids == {"publish_scores"}


def test_parsing_the_backtest_dag_imports_no_heavy_module_and_runs_no_query():
    code = (
        "import sys, importlib\n"
        f"sys.path[:0] = [{str(DAGS)!r}]\n"
        "import sqlalchemy.engine\n"
        "connects = []\n"
        "sqlalchemy.engine.Engine.connect = lambda self, *a, **k: connects.append(1)\n"
        "importlib.import_module('finrisk_backtest')\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy, 'CONNECTS', len(connects))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HEAVY [] CONNECTS 0" in done.stdout
