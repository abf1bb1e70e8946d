"""finrisk_train's human-in-the-loop approval (issue 23): with FINRISK_APPROVAL__AIRFLOW_TASK=true each train task
is followed by needs_approval -> approve (Airflow's ApprovalOperator, a reason field) -> record_approval; off (the
default, so `airflow dags test` in the quick start never waits for a person) there are no such tasks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DAGS = Path(__file__).resolve().parents[2] / "dags"

SHAPE = """
import json, sys
from airflow.dag_processing.dagbag import BundleDagBag
bag = BundleDagBag(dag_folder=sys.argv[1], bundle_path=sys.argv[1], bundle_name="dags-folder")
assert bag.import_errors == {}, bag.import_errors
dag = bag.dags["finrisk_train"]
print(json.dumps({
    t.task_id: {"type": type(t).__name__, "up": sorted(t.upstream_task_ids), "params": sorted(t.params.keys())}
    for t in dag.tasks
}))
"""


def _tasks(**env) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SHAPE, str(DAGS)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_approval_tasks_follow_each_training_only_when_asked():
    assert not [t for t in _tasks(FINRISK_APPROVAL__AIRFLOW_TASK="false") if "approv" in t]
    tasks = _tasks(FINRISK_APPROVAL__AIRFLOW_TASK="true")
    for model in ("credit", "fraud", "news"):
        assert tasks[f"needs_approval_{model}"]["up"] == [f"train_{model}"]
        ask = tasks[f"approve_{model}"]
        assert ask["type"] == "ApprovalOperator" and ask["up"] == [f"needs_approval_{model}"]
        assert "reason" in ask["params"]
        assert tasks[f"record_approval_{model}"]["up"] == [f"approve_{model}", f"train_{model}"]
