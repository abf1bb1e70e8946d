"""The deployment's Celery topology, natively on this machine, with a worker killed mid-shard (issue 21).

What docker-compose.yml runs, without Docker: Redis (127.0.0.1:6379) as the broker, the
PostgreSQL metadata database as the result backend, the api-server, scheduler and dag-processor,
and two Celery workers, one on queue `default` (concurrency 2) and one on queue `gpu`
(concurrency 1), each reporting its own hostname and serving its logs on its own port, all from
the environment the tests run in (installed from requirements/lock.txt, as the image is).

- `finrisk_train`, unpaused (the scheduler queues its latest weekly tick, or it is triggered by hand): the three
  train tasks run on the `gpu` worker (queue and hostname from the metadata), nothing else does.
- `finrisk_nightly`, the scheduler's run of the day that ended, in four shards over the workers:
  while a shard runs on the `default` worker, that worker's whole process group is killed with
  SIGKILL (a container dying). The scheduler fails the attempt when its heartbeat times out; the
  worker comes back (compose's `restart: unless-stopped`) and the retry completes the night.
- The published rows equal a one-process run of the same date exactly, and every task's log
  of both runs is readable through the api-server's REST API.

What only a Docker host can show (image build, GPU device reservation, volumes, healthchecks) is
in the README's deployment section.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import urllib.parse
import urllib.request
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from airflow_harness import AirflowSite, _free_port, _stop, spawn, wait_for
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("FINRISK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
REDIS = ("127.0.0.1", 6379)
HEARTBEAT_TIMEOUT_S = 30
QUEUED_TIMEOUT_S = 60
PUBLISHED = (
    "select customer_id, round(pd_12m::numeric, 6) as pd, round(fraud_score::numeric, 6) as fraud, "
    "round(news_score::numeric, 6) as news, risk_band, credit_model_version, fraud_model_version, "
    "news_model_version from risk.risk_scores where score_date = :d order by customer_id"
)


def _redis_up() -> bool:
    with suppress(OSError), socket.create_connection(REDIS, timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False


def _one(engine: sa.Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).first()


def _all(engine: sa.Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


class _Workers:
    """The two Celery workers, each its own process group, hostname and log-server port."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.procs: dict[str, subprocess.Popen] = {}
        self.everything: list[subprocess.Popen] = []

    def start(self, queue: str, concurrency: int) -> None:
        env = {
            **self.env,
            "FINRISK_TEST_WORKER_HOSTNAME": f"{queue}-worker",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        }
        args = ["celery", "worker", "-q", queue, "-c", str(concurrency), "-H", f"{queue}@%h", "--without-mingle"]
        proc = spawn(args, env, self.logs / f"worker-{queue}.log")
        self.procs[queue] = proc
        self.everything.append(proc)

    def kill(self, queue: str) -> None:
        """SIGKILL the worker's whole process group: the worker, its pool, its task processes, its log server."""
        proc = self.procs.pop(queue)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop(self) -> None:
        _stop(self.everything)


@pytest.fixture()
def celery_site(tmp_path, pg_admin):
    if not _redis_up():
        pytest.fail(f"Redis is not answering on {REDIS[0]}:{REDIS[1]}: the Celery topology test needs it")
    broker_db = random.randint(1, 15)  # a Redis database of its own: another run's queue is not this one's
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    site = AirflowSite.create(
        ADMIN_URL,
        tmp_path,
        extra_env={
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{broker_db}",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "worker_host.hostname",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT_S),
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            # a task the killed worker had taken but not started stays unacknowledged in Redis for the broker's
            # visibility timeout (24 h): the scheduler re-queues it after task_queued_timeout (600 s by default)
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": str(QUEUED_TIMEOUT_S),
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "10",
            "FINRISK_SCORING__SHARDS": "4",
            "FINRISK_AIRFLOW__RETRIES": "2",
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
        },
    )
    backend = make_url(site.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).set(drivername="postgresql+psycopg2")
    site.env["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + backend.render_as_string(hide_password=False)
    try:
        site.load_demo(yesterday, customers=240, days=30)
        yield site
    finally:
        site.drop()


def _runs(meta: sa.Engine, dag_id: str):
    return _all(meta, "select run_id, state from dag_run where dag_id = :dag order by id", dag=dag_id)


def _finished(meta: sa.Engine, dag_id: str):
    runs = _runs(meta, dag_id)
    if runs and runs[-1].state in ("success", "failed"):
        return runs[-1]
    return None


def _logs_readable(api: str, dag_id: str, run_id: str, tis) -> list[str]:
    """The task instances whose log the api-server cannot show (empty when every log reads)."""
    unreadable = []
    for ti in tis:
        url = (
            f"{api}/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id)}/taskInstances/{ti.task_id}"
            f"/logs/{ti.try_number}?map_index={ti.map_index}"
        )
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = json.loads(response.read())
        except OSError as exc:
            unreadable.append(f"{ti.task_id}[{ti.map_index}] try {ti.try_number}: {exc}")
            continue
        text = json.dumps(body.get("content", body))
        if "Could not read" in text or len(body.get("content") or []) < 2:
            unreadable.append(f"{ti.task_id}[{ti.map_index}] try {ti.try_number}: {text[:300]}")
    return unreadable


def test_celery_workers_train_on_gpu_and_a_killed_worker_retries_to_the_same_rows(celery_site):
    site = celery_site
    meta, warehouse = site.metadata(), site.warehouse()
    logs = site.workdir / "services"
    yesterday = datetime.now(UTC).date() - timedelta(days=1)

    with site.services("scheduler", "dag-processor") as env:
        api = env["AIRFLOW__API__BASE_URL"]
        workers = _Workers(env, logs)
        try:
            workers.start("default", 2)
            workers.start("gpu", 1)
            wait_for(
                "the dag-processor to register both DAGs",
                lambda: (
                    _one(
                        meta,
                        "select count(*) = 2 or null as ok from dag"
                        " where dag_id in ('finrisk_train', 'finrisk_nightly')",
                    ).ok
                ),
                120,
                logs,
            )
            airflow = lambda *args: subprocess.run(  # noqa: E731
                ["airflow", *args], env=env, capture_output=True, text=True, timeout=120, check=True
            )
            # unpaused, the weekly timetable queues its latest tick at once (on most days); else a manual run
            airflow("dags", "unpause", "finrisk_train")
            with suppress(pytest.fail.Exception):
                wait_for("the scheduled train run", lambda: _runs(meta, "finrisk_train") or None, 30, logs)
            if not _runs(meta, "finrisk_train"):
                airflow("dags", "trigger", "finrisk_train")
            train = wait_for("finrisk_train to finish", lambda: _finished(meta, "finrisk_train"), 900, logs)
            assert train.state == "success", f"finrisk_train {train.state}; logs in {site.workdir}"
            train_tis = _all(
                meta,
                "select task_id, map_index, try_number, queue, hostname, state from task_instance"
                " where dag_id = 'finrisk_train' and run_id = :run",
                run=train.run_id,
            )
            trained = {ti.task_id: ti for ti in train_tis if ti.task_id.startswith("train_")}
            assert set(trained) == {"train_credit", "train_fraud", "train_news"}
            assert {(ti.queue, ti.hostname) for ti in trained.values()} == {("gpu", "gpu-worker")}
            others = {(ti.queue, ti.hostname) for ti in train_tis if ti.state == "success"} - {("gpu", "gpu-worker")}
            assert others <= {("default", "default-worker")}, others

            airflow("dags", "unpause", "finrisk_nightly")
            running = wait_for(
                "a shard running on the default worker",
                lambda: _one(
                    meta,
                    "select map_index from task_instance where dag_id = 'finrisk_nightly' and task_id = 'score_shard'"
                    " and state = 'running' and hostname = 'default-worker'",
                ),
                300,
                logs,
                every=0.2,
            )
            workers.kill("default")
            killed_at = datetime.now(UTC)
            # the attempt is failed once its heartbeat times out; the worker comes back as compose restarts it
            wait_for(
                "the killed attempt to be failed",
                lambda: _one(
                    meta,
                    "select 1 from task_instance where dag_id = 'finrisk_nightly' and task_id = 'score_shard'"
                    " and map_index = :i and (try_number > 1 or state in ('up_for_retry', 'failed'))",
                    i=running.map_index,
                ),
                HEARTBEAT_TIMEOUT_S * 6,
                logs,
            )
            workers.start("default", 2)
            night = wait_for("finrisk_nightly to finish", lambda: _finished(meta, "finrisk_nightly"), 900, logs)
            recovered = (datetime.now(UTC) - killed_at).total_seconds()
            assert night.state == "success", f"finrisk_nightly {night.state}; logs in {site.workdir}"

            night_tis = _all(
                meta,
                "select task_id, map_index, try_number, queue, hostname, state from task_instance"
                " where dag_id = 'finrisk_nightly' and run_id = :run",
                run=night.run_id,
            )
            shards = sorted((ti for ti in night_tis if ti.task_id == "score_shard"), key=lambda ti: ti.map_index)
            assert [ti.map_index for ti in shards] == [0, 1, 2, 3]
            assert {ti.state for ti in shards} == {"success"}
            killed = shards[running.map_index]
            assert killed.try_number >= 2, "the killed shard finished in its first attempt: nothing was retried"
            assert {ti.queue for ti in night_tis} == {"default"} and {ti.hostname for ti in night_tis} == {
                "default-worker"
            }
            unreadable = _logs_readable(api, "finrisk_nightly", night.run_id, night_tis)
            unreadable += _logs_readable(api, "finrisk_train", train.run_id, train_tis)
            assert not unreadable, unreadable
        finally:
            workers.stop()

    day = _one(warehouse, "select max(score_date) as d from risk.risk_scores").d
    assert day == yesterday, "the scheduler's run scores the day that ended"
    celery_rows = _all(warehouse, PUBLISHED, d=day)
    assert celery_rows
    # the same date again in one process, one shard: exactly the same published rows
    site.run("finrisk_nightly", day, FINRISK_SCORING__SHARDS="1", AIRFLOW__CORE__EXECUTOR="LocalExecutor")
    assert _all(warehouse, PUBLISHED, d=day) == celery_rows
    print(f"celery topology: recovered {recovered:.0f}s after SIGKILL, {len(celery_rows)} rows")
