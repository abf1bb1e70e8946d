"""A project-local Airflow: its environment, its set-up, and DAG runs through the `airflow` CLI.

finrisk never imports airflow; this module only builds environment variables and runs the
`airflow` command in a subprocess. The quick start (scripts/demo.sh), `finrisk ui` and the
DAG tests share it, so the three set Airflow up the same way:

- `AIRFLOW_HOME` under the data folder (`<data>/airflow`), the DAGs folder of this checkout,
  the metadata database given (the embedded server's `airflow` database by default);
- `airflow db migrate`, the `gpu` pool (`FINRISK_AIRFLOW__GPU_POOL_SLOTS`), no example DAGs;
- `airflow dags test DAG DATE`, which runs every task and records the run in the metadata,
  so it shows in the UI afterwards.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from finrisk.config import PROJECT_ROOT, Settings, environment
from finrisk.errors import FinriskError

DAGS_FOLDER = PROJECT_ROOT / "dags"


def metadata_url(settings: Settings) -> str:
    """The Airflow metadata database: the embedded server's `airflow` database unless one is configured."""
    if settings.airflow_metadata_url:
        return settings.airflow_metadata_url
    from finrisk.db.embedded import embedded_url

    return embedded_url(settings.data_path, "airflow")


def airflow_env(
    home: Path, metadata: str, base: Mapping[str, str] | None = None, all_admins: bool = True
) -> dict[str, str]:
    """Environment for `airflow` commands with a project-local home and this checkout's DAGs.

    `all_admins` turns on the simple auth manager's no-login mode: for a local demo on loopback
    only, never for a shared deployment.
    """
    env = environment() if base is None else dict(base)
    home.mkdir(parents=True, exist_ok=True)
    python_path = [str(DAGS_FOLDER), str(PROJECT_ROOT)]
    if env.get("PYTHONPATH"):
        python_path.append(env["PYTHONPATH"])
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": env.get("AIRFLOW__CORE__EXECUTOR", "LocalExecutor"),
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True" if all_admins else "False",
            "PYTHONPATH": os.pathsep.join(python_path),
        }
    )
    return env


def airflow(env: Mapping[str, str], *args: str, log_file: Path | None = None, timeout: float | None = None) -> str:
    """Run one `airflow` command; its output goes to `log_file` (appended) or is returned.

    A failure raises a one-line FinriskError naming the command (and the log file).
    """
    command = ["airflow", *args]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a") as out:
            out.write(f"\n$ {' '.join(command)}\n")
            out.flush()
            done = subprocess.run(command, env=dict(env), stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
        output = ""
    else:
        done = subprocess.run(command, env=dict(env), capture_output=True, text=True, timeout=timeout)
        output = done.stdout + done.stderr
    if done.returncode != 0:
        where = f" (log: {log_file})" if log_file else f": {_last_line(output)}"
        raise FinriskError(f"`{' '.join(command[:4])}` failed with exit code {done.returncode}{where}")
    return output


def _last_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def set_up(env: Mapping[str, str], settings: Settings, log_file: Path | None = None) -> None:
    """Migrate the metadata database and create the `gpu` pool (both idempotent)."""
    airflow(env, "db", "migrate", log_file=log_file)
    airflow(
        env,
        "pools",
        "set",
        "gpu",
        str(settings.airflow.gpu_pool_slots),
        "training jobs that share the GPU",
        log_file=log_file,
    )


def run_dag(
    env: Mapping[str, str], dag_id: str, run_date: date, log_file: Path | None = None, timeout: float | None = None
) -> str:
    """Run one DAG for a logical date through Airflow (`airflow dags test`), recorded in the metadata."""
    return airflow(env, "dags", "test", dag_id, run_date.isoformat(), log_file=log_file, timeout=timeout)
