"""`finrisk ui` as a person runs it: both UIs answer on loopback, the URLs and the login note are
printed, and Ctrl-C (SIGINT) stops both servers and everything they spawned. A port in use is one
line naming it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from pgtools import _drop, _url_for

from finrisk.ui import free_port

FINRISK = [sys.executable, "-m", "finrisk.cli"]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture()
def ui_env(pg_admin, mlflow_url, tmp_path):
    """The environment of a user whose Airflow metadata and MLflow store are on the test server."""
    name = f"finrisk_ui_airflow_{uuid.uuid4().hex[:8]}"
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}"')
    env = {
        **os.environ,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": _url_for(name),
        "MLFLOW_TRACKING_URI": mlflow_url,
        "FINRISK_DATA_DIR": str(tmp_path / "data"),
        "PYTHONUNBUFFERED": "1",
    }
    yield env
    _drop(pg_admin, name)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_ui_prints_both_urls_and_ctrl_c_stops_both(ui_env, tmp_path, how):
    """Ctrl-C signals the whole process group; SIGTERM (a service manager, `kill`) reaches finrisk ui alone,
    which must still stop both servers and their workers."""
    airflow_port, mlflow_port = free_port(), free_port()
    out = tmp_path / "ui.out"
    with out.open("w") as sink:
        process = subprocess.Popen(
            [*FINRISK, "ui", "--airflow-port", str(airflow_port), "--mlflow-port", str(mlflow_port)],
            env=ui_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        while "Ctrl-C stops both" not in out.read_text():
            assert process.poll() is None, f"finrisk ui exited early: {out.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"finrisk ui not ready: {out.read_text()[-2000:]}"
            time.sleep(1)
        text = out.read_text()
        assert f"http://127.0.0.1:{airflow_port}/dags/finrisk_nightly" in text
        assert f"http://127.0.0.1:{mlflow_port}" in text
        assert "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True" in text
        assert (Path(ui_env["FINRISK_DATA_DIR"]) / "quality" / "data_docs" / "index.html").as_uri() in text
        with urllib.request.urlopen(f"http://127.0.0.1:{airflow_port}/api/v2/dags", timeout=30) as response:
            assert response.status == 200  # no login: the local demo's all-admins mode
        with urllib.request.urlopen(f"http://127.0.0.1:{mlflow_port}/health", timeout=30) as response:
            assert response.status == 200
        if how == "ctrl-c":
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        else:
            process.send_signal(signal.SIGTERM)  # finrisk ui only: its servers are not signalled
        assert process.wait(timeout=60) == 0, out.read_text()[-2000:]
        assert "stopped the Airflow UI and the MLflow UI" in out.read_text()
        assert not _listening(airflow_port) and not _listening(mlflow_port)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def test_a_port_in_use_is_one_line(ui_env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*FINRISK, "ui", "--airflow-port", str(port), "--mlflow-port", str(free_port())],
            env=ui_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert errors == [
        f"finrisk: error: port {port} on 127.0.0.1 is in use: stop what listens there or pass --airflow-port"
    ]
    assert "Traceback" not in done.stderr
