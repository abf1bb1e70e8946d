"""The Airflow UI over the metadata of a full run through Airflow (finrisk_train, then
finrisk_nightly for two dates, by the DAG tests' harness): its REST API lists both DAGs with their
last run's state, and the finrisk_nightly page renders its tasks in headless Chromium."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from finrisk.ui import free_port, start_airflow, stop, wait_ready

HARNESS = Path(__file__).resolve().parents[1] / "dags"
ADMIN_URL = os.environ.get("FINRISK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
DAGS = ("finrisk_nightly", "finrisk_train")


@pytest.fixture(scope="module")
def full_run_site(tmp_path_factory, pg_admin) -> Iterator[object]:
    """finrisk_train then finrisk_nightly for each harness date, run by Airflow; dropped afterwards."""
    sys.path.insert(0, str(HARNESS))
    from airflow_harness import DATES, AirflowSite

    site = AirflowSite.create(ADMIN_URL, tmp_path_factory.mktemp("airflow-ui-site"))
    try:
        site.load_demo(DATES[-1])
        site.run("finrisk_train", DATES[0])
        for day in DATES:
            site.run("finrisk_nightly", day)
        yield site
    finally:
        site.drop()


@pytest.fixture()
def api_server(full_run_site, tmp_path) -> Iterator[object]:
    """The Airflow api-server on a free loopback port over the site's metadata; stopped afterwards."""
    server = start_airflow(full_run_site.env, free_port(), tmp_path / "airflow-ui.log")
    try:
        wait_ready([server], timeout=180)
        yield server
    finally:
        stop([server])


def _get(server, path: str) -> dict:
    with urllib.request.urlopen(server.url + path, timeout=30) as response:
        return json.load(response)


def test_rest_api_lists_both_dags_with_their_last_run(api_server, full_run_site):
    listed = {d["dag_id"]: d for d in _get(api_server, "/api/v2/dags")["dags"]}
    assert set(DAGS) <= set(listed)
    last_date = {dag: max(day for d, day in full_run_site.runs if d == dag) for dag in DAGS}
    for dag in DAGS:
        runs = _get(api_server, f"/api/v2/dags/{dag}/dagRuns?order_by=-logical_date&limit=1")["dag_runs"]
        assert runs, f"{dag} has no run in the metadata"
        assert runs[0]["state"] == "success", f"{dag}: last run {runs[0]['dag_run_id']} is {runs[0]['state']}"
        assert runs[0]["logical_date"].startswith(last_date[dag].isoformat())


def test_nightly_grid_renders_its_tasks(api_server, browser, screenshot):
    tasks = [t["task_id"] for t in _get(api_server, "/api/v2/dags/finrisk_nightly/tasks")["tasks"]]
    assert {"resolve_versions", "score_shard", "publish_scores"} <= set(tasks)
    driver = browser()
    driver.get(f"{api_server.url}/dags/finrisk_nightly")

    def rendered(d) -> bool:
        text = d.find_element(By.TAG_NAME, "body").text
        return all(task in text for task in tasks)

    try:
        WebDriverWait(driver, 90).until(rendered)
    finally:
        path = screenshot(driver, "airflow-finrisk-nightly")
    text = driver.find_element(By.TAG_NAME, "body").text
    assert "finrisk_nightly" in text, path
    missing = [task for task in tasks if task not in text]
    assert not missing, f"tasks not shown in the grid: {missing}; see {path}"
