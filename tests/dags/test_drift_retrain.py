"""The drift Asset retrains only the model that drifted (issue 22).

`models_to_train` (dags/finrisk_defaults.py) decides which models a finrisk_train run trains:
every model for the weekly cron or a manual run, the union of the drift events' models for a
run the drift Asset triggered. Then a real scheduler (LocalExecutor), dag-processor and
api-server: an asset event for the drift Asset with extra {"models": ["fraud"]}, posted to the
REST API, makes the scheduler queue an asset-triggered finrisk_train run in which train_fraud
trains and train_credit and train_news are skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

DAGS = Path(__file__).resolve().parents[2] / "dags"
sys.path.insert(0, str(DAGS))

import finrisk_defaults as defaults  # noqa: E402

ALL = ["credit", "fraud", "news"]


@pytest.mark.parametrize(
    ("extras", "expected"),
    [
        (None, ALL),  # weekly cron or manual run: no triggering event
        ([], ALL),
        ([{"models": ["fraud"], "score_date": "2026-12-06"}], ["fraud"]),
        # several nights queued while a run was active: the union, in the built-in order
        ([{"models": ["news"]}, {"models": ["fraud", "news"]}], ["fraud", "news"]),
        # registered names, as the monitoring step reported them before issue 22
        ([{"models": ["finrisk-credit", "fraud"]}], ["credit", "fraud"]),
        # an event posted by hand without models stands for every model
        ([{"models": ["fraud"]}, {"from_rest_api": True}], ALL),
        ([{"models": []}], []),
        ([{"models": ["mortgage"]}], []),
    ],
)
def test_models_to_train(extras, expected):
    models, why = defaults.models_to_train(extras)
    assert models == expected
    assert why


def test_models_to_train_says_why():
    _, why = defaults.models_to_train([{"models": ["fraud", "mortgage"], "score_date": "2026-12-06"}])
    assert why == "drift in fraud (1 event(s), score dates 2026-12-06); unknown model names ignored: mortgage"
    assert "every model" in defaults.models_to_train(None)[1]


def test_model_keys_maps_registered_names():
    assert defaults.model_keys(["finrisk-news", "credit", "news", "x"]) == (["credit", "news"], ["x"])


# --- a real scheduler: the drift Asset event from the REST API retrains only fraud

# 29 February: the last tick (2024) is before the DAG's start date and the next is in 2028, so no
# scheduled run is created while the test runs and the only run is the asset-triggered one
FAR_CRON = "0 3 29 2 *"


@pytest.fixture()
def site_until_yesterday(tmp_path, pg_admin) -> Iterator:
    from airflow_harness import AirflowSite

    admin_url = os.environ.get("FINRISK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    site = AirflowSite.create(admin_url, tmp_path, {"FINRISK_AIRFLOW__TRAIN_CRON": FAR_CRON})
    try:
        # an asset-triggered run trains as of the day before it was queued: yesterday
        site.load_demo(datetime.now(UTC).date() - timedelta(days=1), customers=300, days=30)
        yield site
    finally:
        site.drop()


def _api(base: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _create_mlflow_tables(tracking_uri: str) -> None:
    import mlflow

    mlflow.MlflowClient(tracking_uri=tracking_uri).search_experiments()


def test_drift_event_for_fraud_retrains_only_fraud(site_until_yesterday):
    from airflow_harness import wait_for

    site = site_until_yesterday
    meta = site.metadata()
    logs = site.workdir / "services"
    started = time.monotonic()

    def one(sql, **params):
        with meta.connect() as conn:
            return conn.execute(sa.text(sql), params).first()

    with ThreadPoolExecutor(1) as pool, site.services("scheduler", "dag-processor") as env:
        # MLflow creates its tables on first use (~15 s): here, while the services start, not in train_fraud
        mlflow_ready = pool.submit(_create_mlflow_tables, site.env["MLFLOW_TRACKING_URI"])
        base = env["AIRFLOW__API__BASE_URL"]
        asset = wait_for(
            "the dag-processor to register finrisk_train and the drift Asset",
            lambda: one(
                "select a.id from asset a join dag d on d.dag_id = 'finrisk_train' where a.uri = :uri",
                uri=defaults.DRIFT.uri,
            ),
            120,
            logs,
        )
        unpause = subprocess.run(
            ["airflow", "dags", "unpause", "finrisk_train"], env=env, capture_output=True, text=True, timeout=120
        )
        assert unpause.returncode == 0, unpause.stdout[-2000:] + unpause.stderr[-2000:]
        token = wait_for("the api-server", lambda: _api(base, "GET", "/auth/token")["access_token"], 90, logs)
        mlflow_ready.result(timeout=120)
        event = _api(
            base,
            "POST",
            "/api/v2/assets/events",
            {"asset_id": asset.id, "extra": {"models": ["fraud"], "score_date": "2026-12-06"}},
            token,
        )
        assert event["extra"]["models"] == ["fraud"]
        run = wait_for(
            "the asset-triggered finrisk_train run",
            lambda: one("select run_id, run_type from dag_run where dag_id = 'finrisk_train' order by id limit 1"),
            60,
            logs,
        )

        def decided():
            with meta.connect() as conn:
                rows = conn.execute(
                    sa.text("select task_id, state from task_instance where dag_id = 'finrisk_train' and run_id = :r"),
                    {"r": run.run_id},
                ).all()
            states = {r.task_id: r.state for r in rows}
            done = ("success", "failed", "skipped", "upstream_failed")
            return states if all(states.get(f"train_{m}") in done for m in ALL) else None

        states = wait_for("the train tasks to finish", decided, 240, logs)
        runs = one("select count(*) as n from dag_run where dag_id = 'finrisk_train'")

    assert run.run_type == "asset_triggered" and runs.n == 1
    assert states["choose_models"] == "success"
    assert states["train_fraud"] == "success", f"{states}; logs in {site.workdir}"
    assert (states["train_credit"], states["train_news"]) == ("skipped", "skipped")
    with site.warehouse().connect() as conn:
        trained = conn.execute(sa.text("select distinct model from ops.model_promotions")).scalars().all()
    assert trained == ["finrisk-fraud"]
    choose_log = "\n".join(
        p.read_text(errors="replace") for p in Path(env["AIRFLOW_HOME"]).rglob("*.log") if "choose_models" in str(p)
    )
    assert "training fraud; skipping credit, news: drift in fraud (1 event(s)" in choose_log
    print(f"drift-triggered run decided in {time.monotonic() - started:.0f}s")
