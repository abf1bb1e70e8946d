"""A real Airflow run of the finrisk DAGs on the test PostgreSQL, reusable by other test folders.

`AirflowSite.create(admin_url, workdir)` makes three fresh databases (warehouse, mlflow, airflow
metadata), migrates the warehouse, runs `airflow db migrate` with a private `AIRFLOW_HOME`
under `workdir`, creates the `gpu` pool, and loads a small demo data set. `site.run(dag_id, date)`
then runs a DAG through Airflow (`airflow dags test`), so the run is in the metadata database
exactly as the UI shows it; `with site.services("scheduler", "dag-processor"):` runs the real
scheduler (LocalExecutor) and an api-server instead, stopped on exit.
Models are tiny random BERTs; the gate floors are open.

Another test folder (the browser tests) uses it like this:

    sys.path.insert(0, str(Path(__file__).parents[1] / "dags"))
    from airflow_harness import full_run
    site = full_run(ADMIN_URL, tmp_path)   # finrisk_train, then finrisk_nightly for two dates
    ... site.env (AIRFLOW_HOME, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, MLFLOW_TRACKING_URI, ...)
    site.drop()
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from finrisk.airflow_env import airflow_env, run_dag, set_up
from finrisk.config import Settings

FIRST_DATE = date(2026, 3, 30)
DATES = (date(2026, 3, 30), date(2026, 3, 31))

# Tiny, fast and deterministic: this is about the plumbing, not model quality.
TINY_ENV = {
    "FINRISK_BASE_MODEL": "tiny-random",
    "FINRISK_TRAIN__MAX_STEPS": "4",
    "FINRISK_TRAIN__EPOCHS": "1",
    "FINRISK_TRAIN__BATCH_SIZE": "16",
    "FINRISK_TRAIN__MAX_LENGTH": "64",
    "FINRISK_TRAIN__EVAL_EVERY": "0",
    "FINRISK_GATE__MIN_AUC": "0",
    "FINRISK_GATE__MIN_MACRO_F1": "0",
    "FINRISK_GATE__MAX_CALIBRATION_ERROR": "1",
    "FINRISK_GATE__REQUIRE_BEATS_BASELINE": "false",
    "FINRISK_SCORING__AUDIT_BAND_ACTION": "flag",
    "FINRISK_SCORING__REASON_CODES": "0",
    "FINRISK_AIRFLOW__RETRIES": "1",
    "FINRISK_AIRFLOW__RETRY_DELAY_S": "0",
    "FINRISK_ALERTS__CHANNEL": "log",
    "TOKENIZERS_PARALLELISM": "false",
}


def _url(admin_url: str, database: str) -> str:
    url = make_url(admin_url).set(database=database, drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


@dataclass
class AirflowSite:
    """Three databases and a private AIRFLOW_HOME; `env` is what `airflow` and finrisk run with."""

    admin_url: str
    workdir: Path
    databases: dict[str, str]
    env: dict[str, str]
    runs: list[tuple[str, date]] = field(default_factory=list)

    @classmethod
    def create(cls, admin_url: str, workdir: Path, extra_env: dict[str, str] | None = None) -> AirflowSite:
        suffix = uuid.uuid4().hex[:8]
        databases = {role: f"finrisk_af_{role}_{suffix}" for role in ("warehouse", "mlflow", "airflow")}
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in databases.values():
                conn.exec_driver_sql(f'create database "{name}"')
        admin.dispose()
        base = {
            **os.environ,
            **TINY_ENV,
            "FINRISK_DATABASE_URL": _url(admin_url, databases["warehouse"]),
            "MLFLOW_TRACKING_URI": _url(admin_url, databases["mlflow"]),
            "FINRISK_DATA_DIR": str(workdir / "data"),
            **(extra_env or {}),
        }
        env = airflow_env(workdir / "airflow", _url(admin_url, databases["airflow"]), base)
        site = cls(admin_url, workdir, databases, env)
        set_up(env, site.settings(), log_file=site.log_file)
        return site

    @property
    def log_file(self) -> Path:
        return self.workdir / "airflow-runs.log"

    def settings(self) -> Settings:
        """finrisk settings pointing at this site's warehouse, MLflow and data folder."""
        return Settings(
            database_url=self.env["FINRISK_DATABASE_URL"],
            data_dir=Path(self.env["FINRISK_DATA_DIR"]),
            mlflow_tracking_uri=self.env["MLFLOW_TRACKING_URI"],
        )

    def load_demo(self, end_date: date = DATES[-1], customers: int = 300, days: int = 30) -> None:
        """Migrate the warehouse and write a small demo source (what upstream would have written)."""
        from finrisk.db.engine import get_engine
        from finrisk.db.migrate import upgrade
        from finrisk.demo import generate

        settings = self.settings()
        upgrade(get_engine(settings))
        generate(settings, customers, days, 7, end_date=end_date)

    def run(self, dag_id: str, run_date: date, timeout: float = 900, **env: str) -> str:
        """Run a DAG for a logical date through Airflow; raises FinriskError when the run fails."""
        self.runs.append((dag_id, run_date))
        return run_dag({**self.env, **env}, dag_id, run_date, log_file=self.log_file, timeout=timeout)

    @contextmanager
    def services(self, *names: str, **env: str) -> Iterator[dict[str, str]]:
        """Run Airflow services (`scheduler`, `dag-processor`, ...) plus an api-server for the Execution API.

        The production way on one machine: a real scheduler with the LocalExecutor, its tasks
        talking to the api-server. Yields the environment they share; on exit every process group
        started here is stopped (SIGTERM, then SIGKILL), children included. Output goes to
        `<workdir>/services/<name>.log`.
        """
        port = _free_port()
        shared = {
            **self.env,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__SECRET_KEY": self.databases["airflow"] + "-secret",
            "AIRFLOW__API_AUTH__JWT_SECRET": (self.databases["airflow"] * 8)[:96],
            **env,
        }
        logs = self.workdir / "services"
        logs.mkdir(parents=True, exist_ok=True)
        commands = {"api-server": ["api-server", "-p", str(port), "-H", "127.0.0.1", "-w", "1", "--apps", "all"]}
        commands.update({name: [name] for name in names})
        procs: list[subprocess.Popen] = []
        try:
            for name, args in commands.items():
                procs.append(spawn(args, shared, logs / f"{name}.log"))
            yield shared
        finally:
            _stop(procs)

    def warehouse(self) -> sa.Engine:
        return sa.create_engine(self.env["FINRISK_DATABASE_URL"])

    def metadata(self) -> sa.Engine:
        return sa.create_engine(self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])

    def drop(self) -> None:
        """Drop the three databases."""
        from finrisk.db.engine import engine_for

        engine_for.cache_clear()
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.databases.values():
                conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')
        admin.dispose()


def wait_for(what: str, probe, timeout: float, logs: Path, every: float = 1.0):
    """Poll `probe` until it returns something other than None; on timeout fail with the services' log tails.

    An OSError from the probe (the api-server still starting) counts as "not yet".
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(OSError):
            if (value := probe()) is not None:
                return value
        time.sleep(every)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(logs.glob("*.log")))
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{tails}")


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`airflow *args` in its own process group (its task processes stop with it), output appended to `log`."""
    with log.open("a") as out:
        return subprocess.Popen(
            ["airflow", *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(procs: list[subprocess.Popen], grace: float = 20) -> None:
    """SIGTERM each process group started by `services`, then SIGKILL what is left after `grace` seconds."""
    for proc in procs:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    for proc in procs:  # the group too: a task process may outlive its parent
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def full_run(admin_url: str, workdir: Path, dates: tuple[date, ...] = DATES) -> AirflowSite:
    """A site where finrisk_train ran for the first date and finrisk_nightly for each date, in order."""
    site = AirflowSite.create(admin_url, workdir)
    site.load_demo(dates[-1])
    site.run("finrisk_train", dates[0])
    for day in dates:
        site.run("finrisk_nightly", day)
    return site
