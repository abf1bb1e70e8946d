"""Shared set-up for the benchmarks: a throwaway warehouse with demo data, and demo-shaped records.

`scratch(tag)` creates a warehouse and an MLflow database of their own on the PostgreSQL
server at FINRISK_BENCH_ADMIN_URL (default postgres on 127.0.0.1:5432, trust auth), yields
Settings that point at them with a private data folder, and drops both at the end. Nothing
touches ./data or another engineer's database.

`demo_records(settings, customers, ...)` generates the demo bank, ingests it, and returns the
credit records finrisk really scores (spec.scoring_records) and their demo outcomes
(defaulted or not) as labels, so every benchmark measures the texts the demo really has.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from finrisk.config import Settings  # noqa: E402

ADMIN_URL = os.environ.get("FINRISK_BENCH_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
END_DATE = date(2026, 3, 31)


def quiet() -> None:
    """Silence library chatter (transformers load reports, deprecation warnings) in the printed tables."""
    import warnings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TQDM_DISABLE", "1")
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.WARNING)
    for name in ("transformers", "mlflow", "alembic", "great_expectations", "finrisk"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        pass


def _url(name: str) -> str:
    url = make_url(ADMIN_URL).set(database=name)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


@contextlib.contextmanager
def _databases(*names: str) -> Iterator[list[str]]:
    """Create the named databases on the server at ADMIN_URL; yields their URLs and drops them afterwards
    (finrisk's cached engines closed first)."""
    from finrisk.db.engine import engine_for

    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'create database "{name}"')
    try:
        yield [_url(name) for name in names]
    finally:
        engine_for.cache_clear()
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')
        admin.dispose()


@contextlib.contextmanager
def scratch(tag: str) -> Iterator[Settings]:
    """Settings on a fresh, migrated warehouse + MLflow database pair, dropped afterwards."""
    from finrisk.db.engine import get_engine
    from finrisk.db.migrate import upgrade

    suffix = uuid.uuid4().hex[:8]
    with (
        tempfile.TemporaryDirectory(prefix=f"finrisk-bench-{tag}-") as data,
        _databases(f"finrisk_bench_{tag}_{suffix}", f"finrisk_bench_{tag}_mlflow_{suffix}") as (warehouse, mlflow),
    ):
        settings = Settings(database_url=warehouse, mlflow_tracking_uri=mlflow, data_dir=Path(data))
        upgrade(get_engine(settings))
        yield settings


def load_demo(settings: Settings, customers: int, days: int = 30, seed: int = 42, end: date = END_DATE) -> float:
    """Generate the demo bank, ingest and validate it up to `end` (scoring reads validated rows only);
    returns the seconds it took."""
    from finrisk.demo import generate
    from finrisk.ingest import run_ingest
    from finrisk.quality import run_validation

    started = time.perf_counter()
    generate(settings, customers, days, seed=seed, end_date=end)
    run_ingest(settings, end)
    run_validation(settings, end)
    return time.perf_counter() - started


def credit_texts(settings: Settings, score_date: date = END_DATE, limit: int | None = None) -> list:
    """The credit records finrisk scores on `score_date` (the scoring path's own serialization)."""
    from finrisk.db.engine import get_engine
    from finrisk.models.specs import SPECS

    out = []
    with get_engine(settings).connect() as conn:
        for record in SPECS["credit"].scoring_records(conn, score_date):
            out.append(record)
            if limit and len(out) >= limit:
                break
    return out


def credit_labels(customers: int, days: int = 30, seed: int = 42, end: date = END_DATE) -> dict[str, int]:
    """customer_id -> defaulted (0/1) from the same deterministic demo build that `load_demo` wrote."""
    from finrisk.demo import build_frames

    outcomes = build_frames(customers, days, seed, end)["source.credit_outcomes"]
    return {str(k): int(bool(v)) for k, v in zip(outcomes["customer_id"], outcomes["defaulted"])}


def best_of(fn, repeats: int = 3) -> float:
    """The shortest of `repeats` timed calls of fn(), in seconds (shared machine: the least disturbed run)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def best_of_interleaved(fns, repeats: int = 3) -> list[float]:
    """Shortest time of each fn over `repeats` rounds, the fns taking turns within a round, so a burst of
    load from other processes on this shared machine hits both sides of a ratio alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            started = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - started)
    return best


def table(rows: list[tuple], header: tuple) -> str:
    """A plain fixed-width table."""
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def bench_settings(settings: Settings, base_model: str | None, train_steps: int = 20) -> Settings:
    """Settings for a benchmark night: the chosen base model, a short fine-tune, and a gate that lets the
    first version through (a benchmark measures time, not whether a tiny model beats the baselines)."""
    from finrisk.config import GateSettings

    gate = GateSettings(
        require_beats_baseline=False, min_auc=0.0, min_macro_f1=0.0, max_calibration_error=1.0, auc_margin=1.0
    )
    train = settings.train.model_copy(update={"max_steps": train_steps, "eval_every": train_steps})
    scoring = settings.scoring.model_copy(update={"audit_band_action": "flag"})
    # no four-eyes approval and no fairness hold between training and the first night either (issue 23): a tiny
    # demo's holdout has groups of a few customers, and nobody approves a benchmark's champion; a night in
    # another warehouse (another_warehouse) has no audit row of the champion the registry shares: scored anyway
    fairness = settings.fairness.model_copy(update={"gate_refuse": False})
    approval = settings.approval.model_copy(update={"required": False, "refuse_unapproved_champion": False})
    return settings.model_copy(
        update={
            "base_model": base_model,
            "gate": gate,
            "train": train,
            "scoring": scoring,
            "fairness": fairness,
            "approval": approval,
        }
    )


def train_champions(settings: Settings, run_date: date = END_DATE, results: dict | None = None) -> float:
    """Train the three models (each becomes @champion under bench_settings' gate); returns seconds.
    `results`, when given, gets each model's TrainResult."""
    from finrisk.models.args import TrainArgs
    from finrisk.models.specs import MODELS
    from finrisk.training.train import train_model

    started = time.perf_counter()
    for model in MODELS:
        result = train_model(settings, model, TrainArgs.from_settings(settings))
        if results is not None:
            results[model] = result
    return time.perf_counter() - started


@contextlib.contextmanager
def another_warehouse(settings: Settings, tag: str) -> Iterator[Settings]:
    """A second fresh warehouse that shares `settings`' MLflow registry (and so its champions)."""
    from finrisk.db.engine import get_engine
    from finrisk.db.migrate import upgrade

    with _databases(f"finrisk_bench_{tag}_{uuid.uuid4().hex[:8]}") as (url,):
        other = settings.model_copy(update={"database_url": url})
        upgrade(get_engine(other))
        yield other


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment variables that rebuild `settings` in a subprocess (FINRISK_* as config.py reads them)."""
    env = {
        "FINRISK_DATABASE_URL": settings.database_url or "",
        "FINRISK_DATA_DIR": str(settings.data_dir),
        "FINRISK_MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri or "",
        "FINRISK_SCORING__AUDIT_BAND_ACTION": settings.scoring.audit_band_action,
        "FINRISK_APPROVAL__REQUIRED": str(settings.approval.required).lower(),
        "FINRISK_APPROVAL__REFUSE_UNAPPROVED_CHAMPION": str(settings.approval.refuse_unapproved_champion).lower(),
        "FINRISK_FAIRNESS__GATE_REFUSE": str(settings.fairness.gate_refuse).lower(),
    }
    if settings.base_model:
        env["FINRISK_BASE_MODEL"] = settings.base_model
    return env


@contextlib.contextmanager
def airflow_site(settings: Settings) -> Iterator[dict[str, str]]:
    """A private Airflow for `settings`: a fresh metadata database, AIRFLOW_HOME under the data folder, migrated,
    the `gpu` pool; yields the environment `airflow` commands run with (finrisk's FINRISK_* settings in it).
    Tasks fail at once (no retries): a benchmark wants the error, not a back-off."""
    from finrisk.airflow_env import airflow_env, set_up

    name = f"finrisk_bench_airflow_{uuid.uuid4().hex[:8]}"
    with _databases(name) as (metadata,):
        home = Path(settings.data_dir) / f"airflow-{name}"
        base = {
            **os.environ,
            **settings_env(settings),
            "FINRISK_AIRFLOW__RETRIES": "0",
            "FINRISK_ALERTS__CHANNEL": "log",
            "TOKENIZERS_PARALLELISM": "false",
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        }
        env = airflow_env(home, metadata, base)
        set_up(env, settings, log_file=home / "runs.log")
        yield env


def run_worker(script: str, settings: Settings, *args: str) -> dict:
    """Run `script --worker *args` in a fresh process with `settings` in its environment; its last stdout line
    is JSON. A failure is one line naming its last stderr line."""
    import json
    import subprocess

    env = {**os.environ, **settings_env(settings)}
    done = subprocess.run([sys.executable, script, "--worker", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"scoring process failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _vm_hwm_mib(pid: int | str = "self") -> float | None:
    """VmHWM of a process in MiB (the peak resident set of its own address space), None when unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def peak_rss_mib() -> float:
    """This process's own peak resident set, MiB.

    Not getrusage's ru_maxrss alone: Linux carries the old address space's peak into ru_maxrss at
    exec, and subprocess starts a child by vfork + exec, so a child's ru_maxrss is at least its
    parent's peak at the time (a benchmark parent that generated 100k customers would put its own
    peak into the scoring process's figure). VmHWM belongs to the address space exec created."""
    own = _vm_hwm_mib()
    return own if own is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TreePeak(threading.Thread):
    """Polls the VmHWM of a running process and its descendants; `.peak_mib` is the largest seen, the peak of
    the biggest single process (VmHWM only grows, so the last reading of each process before it exits holds)."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peaks = pid, every, {}
        self.stopped = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stopped.is_set():
            try:
                pids = [self.pid, *(c.pid for c in psutil.Process(self.pid).children(recursive=True))]
            except psutil.Error:
                pids = [self.pid]
            for pid in pids:
                if (hwm := _vm_hwm_mib(pid)) is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), hwm)
            self.stopped.wait(self.every)

    @property
    def peak_mib(self) -> float:
        return max(self.peaks.values(), default=float("nan"))

    def stop(self) -> float:
        self.stopped.set()
        self.join()
        return self.peak_mib


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - started, out
