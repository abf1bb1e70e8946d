"""A night still unpublished at `publish_by` sends one alert through finrisk's channel (issue 21, deadlines).

finrisk_nightly carries an Airflow 3 Deadline Alert: due `publish_window(nightly_cron, publish_by)` after the
run was queued (01:30 -> 06:00 by default), its callback `finrisk.alerts.deadline_missed` runs on the
triggerer and posts through the configured channel. The test runs a real scheduler, dag-processor and
triggerer with a deadline of 5 seconds and a webhook channel: a queued run of the paused DAG (its tasks
never start, so it cannot publish) must produce exactly one `deadline_missed` alert naming the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

DAGS = Path(__file__).resolve().parents[2] / "dags"
sys.path.insert(0, str(DAGS))


def test_publish_window_runs_from_the_cron_time_to_publish_by():
    from finrisk.dates import publish_window

    assert publish_window("30 1 * * *", "06:00") == timedelta(hours=4, minutes=30)
    assert publish_window("30 1 * * *", "01:30:05") == timedelta(seconds=5)
    assert publish_window("30 1 * * *", "01:00") == timedelta(hours=23, minutes=30)  # the next morning's


def test_the_nightly_dag_carries_the_deadline_from_the_settings():
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")
    alerts = bag.dags["finrisk_nightly"].deadline
    alerts = alerts if isinstance(alerts, list) else [alerts]
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.reference.reference_name == "DagRunQueuedAtDeadline"
    assert alert.interval == timedelta(hours=4, minutes=30)
    assert alert.callback.path == "finrisk.alerts.deadline_missed"
    assert alert.callback.kwargs == {"publish_by": "06:00"}


def test_dags_test_parses_the_nightly_without_its_deadline(monkeypatch):
    """Airflow 3.3.2's DAG.test() exits 1 after a successful run of a DAG with a deadline (apache/airflow#73428)."""
    import finrisk_defaults as defaults

    monkeypatch.setattr(sys, "argv", ["airflow", "dags", "test", "finrisk_nightly", "2026-12-05"])
    assert defaults.publish_deadline(defaults.parsed()) is None
    monkeypatch.setattr(sys, "argv", ["airflow", "dag-processor"])
    assert defaults.publish_deadline(defaults.parsed()).interval == timedelta(hours=4, minutes=30)


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture()
def webhook() -> Iterator[tuple[str, list[dict]]]:
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook?token=s3cret-token", _Hook.received
    finally:
        server.shutdown()


def test_a_night_unpublished_at_its_deadline_sends_one_alert(tmp_path, pg_admin, webhook):
    from airflow_harness import AirflowSite, wait_for

    url, received = webhook
    admin_url = os.environ.get("FINRISK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    site = AirflowSite.create(
        admin_url,
        tmp_path,
        extra_env={
            "FINRISK_AIRFLOW__PUBLISH_BY": "01:30:05",  # 5 s after the 01:30 cron time
            "FINRISK_ALERTS__CHANNEL": "webhook",
            "FINRISK_ALERTS__WEBHOOK_URL": url,
        },
    )
    logs = site.workdir / "services"
    meta = site.metadata()

    def one(sql, **params):
        with meta.connect() as conn:
            return conn.execute(sa.text(sql), params).first()

    try:
        with site.services("scheduler", "dag-processor", "triggerer") as env:
            dag_row = "select 1 from dag where dag_id = 'finrisk_nightly'"
            wait_for("finrisk_nightly registered", lambda: one(dag_row), 120, logs)
            trigger = subprocess.run(
                ["airflow", "dags", "trigger", "finrisk_nightly"], env=env, capture_output=True, text=True, timeout=120
            )
            assert trigger.returncode == 0, trigger.stdout[-2000:] + trigger.stderr[-2000:]
            run = wait_for(
                "the triggered run",
                lambda: one("select run_id, queued_at from dag_run where dag_id = 'finrisk_nightly'"),
                30,
                logs,
            )
            wait_for("the deadline alert", lambda: received or None, 90, logs)
            time.sleep(3)  # a second alert for the same run would arrive now
            deadline = one(
                "select d.deadline_time, d.missed from deadline d join dag_run r on r.id = d.dagrun_id"
                " where r.run_id = :run",
                run=run.run_id,
            )
    finally:
        site.drop()

    assert len(received) == 1, received
    alert = received[0]
    assert alert["kind"] == "deadline_missed"
    assert alert["dag_id"] == "finrisk_nightly" and alert["run_id"] == run.run_id
    assert alert["publish_by"] == "01:30:05"
    assert alert["run_url"].endswith(f"/dags/finrisk_nightly/runs/{run.run_id}")
    assert deadline.missed and deadline.deadline_time == run.queued_at + timedelta(seconds=5)
    assert "s3cret-token" not in json.dumps(alert)
