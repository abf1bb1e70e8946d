"""The DAG files parse fast, cleanly and cheaply, and have the shape issue 8 describes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = ("finrisk_nightly", "finrisk_train")
HEAVY = ("torch", "transformers", "pandas", "sklearn", "mlflow", "great_expectations")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")


def test_no_import_errors_and_both_dags(dagbag):
    assert dagbag.import_errors == {}
    assert set(DAG_FILES) <= set(dagbag.dag_ids)


@pytest.mark.parametrize("name", DAG_FILES)
def test_each_file_parses_in_under_two_seconds(name):
    from airflow.dag_processing.dagbag import BundleDagBag

    started = time.perf_counter()
    bag = BundleDagBag(dag_folder=DAGS / f"{name}.py", bundle_path=DAGS, bundle_name="dags-folder")
    elapsed = time.perf_counter() - started
    assert bag.import_errors == {} and name in bag.dag_ids
    assert elapsed < 2.0, f"{name}.py took {elapsed:.2f}s to parse"


@pytest.mark.parametrize("name", DAG_FILES)
def test_parsing_imports_no_heavy_module_and_runs_no_query(name):
    # a fresh interpreter: what importing the DAG file alone pulls in
    code = (
        "import sys, importlib\n"
        f"sys.path[:0] = [{str(DAGS)!r}]\n"
        "import sqlalchemy.engine\n"
        "connects = []\n"
        "sqlalchemy.engine.Engine.connect = lambda self, *a, **k: connects.append(1)\n"
        f"importlib.import_module({name!r})\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy, 'CONNECTS', len(connects))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "FINRISK_DATABASE_URL": "postgresql://x:y@127.0.0.1:1/none"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HEAVY [] CONNECTS 0" in done.stdout


@pytest.mark.parametrize("name", DAG_FILES)
def test_every_dag_has_tags_owner_retries_doc_and_one_run_at_a_time(dagbag, name):
    dag = dagbag.dags[name]
    assert dag.tags and "finrisk" in dag.tags
    assert dag.doc_md and "Schedule" in dag.doc_md and "When it fails" in dag.doc_md
    assert dag.max_active_runs == 1 and not dag.catchup
    for task in dag.tasks:
        assert task.owner == "risk-platform"
        assert task.execution_timeout is not None
        assert task.on_failure_callback, task.task_id
    database_tasks = [t for t in dag.tasks if t.task_id in ("check_migrations", "ingest_sources", "publish_scores")]
    assert database_tasks and all(t.retries >= 1 and t.retry_exponential_backoff for t in database_tasks)


def test_nightly_order_and_mapped_score(dagbag):
    dag = dagbag.dags["finrisk_nightly"]
    chain = [
        "check_migrations",
        "ingest_sources",
        "validate_staging",
        "resolve_versions",
        "score_shard",
        "publish_scores",
        "monitor_drift",
        "send_morning_summary",
    ]
    for upstream, downstream in zip(chain, chain[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids, (upstream, downstream)
    assert dag.get_task("signal_drift").upstream_task_ids == {"monitor_drift"}
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    score = dag.get_task("score_shard")
    assert isinstance(score, MappedOperator)
    assert score.partial_kwargs["retries"] >= 1
    [outlet] = dag.get_task("signal_drift").outlets
    assert outlet.uri == "finrisk://risk/score_monitoring/drift"


def test_train_tasks_on_gpu_queue_and_pool_and_schedule_on_drift(dagbag):
    dag = dagbag.dags["finrisk_train"]
    trains = [t for t in dag.tasks if t.task_id.startswith("train_")]
    assert sorted(t.task_id for t in trains) == ["train_credit", "train_fraud", "train_news"]
    for t in trains:
        assert (t.queue, t.pool) == ("gpu", "gpu")
        assert t.upstream_task_ids == {"choose_models"}  # drift-triggered runs train only the drifted models
    assert dag.get_task("choose_models").upstream_task_ids == {"validate_staging"}
    from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable

    assert isinstance(dag.timetable, AssetOrTimeSchedule)
    assert isinstance(dag.timetable.timetable, CronTriggerTimetable)
    assert [a.uri for a in dag.timetable.asset_condition.objects] == ["finrisk://risk/score_monitoring/drift"]


def test_shard_count_comes_from_settings(monkeypatch):
    from airflow.dag_processing.dagbag import BundleDagBag

    monkeypatch.setenv("FINRISK_SCORING__SHARDS", "3")
    bag = BundleDagBag(dag_folder=DAGS / "finrisk_nightly.py", bundle_path=DAGS, bundle_name="dags-folder")
    score = bag.dags["finrisk_nightly"].get_task("score_shard")
    assert list(score.op_kwargs_expand_input.value["index"]) == [0, 1, 2]
    assert score.partial_kwargs["op_kwargs"]["count"] == 3
