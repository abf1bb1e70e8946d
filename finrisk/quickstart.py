"""The quick start through Airflow: `python -m finrisk.quickstart` (what scripts/demo.sh runs).

On the embedded PostgreSQL (or the configured URLs): migrations, demo data when the source is
empty, a project-local Airflow (`<data>/airflow`: metadata in the `airflow` database, the `gpu`
pool), then `finrisk_train` for the first of the last three dates and `finrisk_nightly` for the
three dates in order, each executed by Airflow (`airflow dags test`), so the runs show in the
UI afterwards. The console gets one line per step and a progress bar with an ETA for the long
ones; library output goes to `<data>/logs/quickstart.log`. An error is one line and the log's path.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import threading
import time
import warnings
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from finrisk.config import Settings, get_settings
from finrisk.errors import FinriskError

log = logging.getLogger("finrisk.quickstart")

STEP = re.compile(r"\bstep (\d+) loss\b")
WORK = re.compile(r"(finrisk-\w+): train work (\d+) ")
EMBEDDED = re.compile(r"embedded \+(\d+) texts")
TRAINED = re.compile(r"train (finrisk-\w+): version (\S+), holdout (\w+) ([\d.]+), gate (\w+)")
SCORED = re.compile(r"scored (\w+) \+(\d+) records")
STEP_FAILED = re.compile(r"\]\s*(\w+) failed: (.*?)\s+\[finrisk\.dags\]")


def _log_to_file(path: Path) -> None:
    """Everything (finrisk's logs, library warnings) goes to the log file, nothing to the console."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.handlers[:] = [logging.FileHandler(path)]
    root.handlers[0].setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    warnings.simplefilter("default")


class _Follow(threading.Thread):
    """Tails the log file while an Airflow command runs and moves a progress bar from its lines."""

    def __init__(self, path: Path, bar, on_line) -> None:
        super().__init__(daemon=True)
        self.path, self.bar, self.on_line = path, bar, on_line
        self.offset = path.stat().st_size if path.exists() else 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.poll()
            time.sleep(0.5)
        self.poll()

    def poll(self) -> None:
        if not self.path.exists():
            return
        with self.path.open(errors="replace") as f:
            f.seek(self.offset)
            chunk = f.read()
            self.offset = f.tell()
        for line in chunk.splitlines():
            self.on_line(line, self.bar)


def _run_with_bar(env, dag_id: str, day: date, log_file: Path, total: int, unit: str, on_line) -> None:
    from tqdm import tqdm

    from finrisk.airflow_env import run_dag

    failures: list[str] = []

    def watch(line: str, bar) -> None:
        if m := STEP_FAILED.search(line):
            failures.append(f"{m.group(1)}: {m.group(2)}")
        on_line(line, bar)

    with tqdm(total=total, unit=unit, desc=f"  {dag_id} {day}", leave=False, file=sys.stderr,
              bar_format="{desc}: {percentage:3.0f}%|{bar:24}| {n_fmt}/{total_fmt} {unit} [{elapsed}<{remaining}]") as bar:
        follower = _Follow(log_file, bar, watch)
        follower.start()
        try:
            run_dag(env, dag_id, day, log_file=log_file)
        except FinriskError:
            follower.done.set()
            follower.join()
            if failures:  # the task's own one-line reason says more than the exit code
                raise FinriskError(f"{dag_id} {day} failed at {failures[-1]} (details: {log_file})") from None
            raise
        finally:
            follower.done.set()
            follower.join()


def _train(env, day: date, log_file: Path, settings: Settings, echo) -> None:
    """finrisk_train through Airflow; the bar counts each model's announced work (texts embedded for the fused
    models, fine-tuning steps for news), its total growing as each model starts."""
    work: dict[str, int] = {}  # model -> announced work
    done: dict[str, int] = {}  # model -> work done
    state = {"model": "", "step": 0}
    results: list[str] = []

    def advance(bar, model: str, k: int) -> None:
        k = max(0, min(k, work.get(model, 0) - done.get(model, 0)))
        done[model] = done.get(model, 0) + k
        bar.update(k)

    def on_line(line: str, bar) -> None:
        if m := WORK.search(line):
            state.update(model=m.group(1), step=0)
            work[m.group(1)] = int(m.group(2))
            bar.total = sum(work.values())
            bar.refresh()
        elif m := EMBEDDED.search(line):
            advance(bar, state["model"], int(m.group(1)))
        elif m := STEP.search(line):
            advance(bar, state["model"], int(m.group(1)) - state["step"])
            state["step"] = int(m.group(1))
        elif m := TRAINED.search(line):
            advance(bar, m.group(1), work.get(m.group(1), 0))  # early stopping: the rest counts as done
            results.append(f"  trained {m.group(1)} v{m.group(2)}: holdout {m.group(3)} {float(m.group(4)):.3f}, "
                           f"gate {m.group(5)}")

    started = time.monotonic()
    _run_with_bar(env, "finrisk_train", day, log_file, 1, "texts embedded / fine-tuning steps", on_line)
    echo(f"finrisk_train {day}: trained {len(results)} models through Airflow in {time.monotonic() - started:.0f}s")
    for line in results:
        echo(line)


def _nightly(env, day: date, log_file: Path, expected: int, echo) -> None:
    scored = {"records": 0}

    def on_line(line: str, bar) -> None:
        if m := SCORED.search(line):
            bar.update(int(m.group(2)))
            scored["records"] += int(m.group(2))

    started = time.monotonic()
    _run_with_bar(env, "finrisk_nightly", day, log_file, max(expected, 1), "records scored", on_line)
    echo(f"finrisk_nightly {day}: {scored['records']} records scored and published through Airflow "
         f"in {time.monotonic() - started:.0f}s")


def _expected_records(settings: Settings, day: date) -> int:
    """About how many records a night scores (active customers, the day's transactions and articles)."""
    from finrisk.db.engine import get_engine
    from finrisk.db.sql import query

    with get_engine(settings).connect() as conn:
        return int(conn.execute(query("steps/expected_records"), {"run_date": day}).scalar() or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", help="last run date, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--days", type=int, default=3, help="how many dates finrisk_nightly runs, in order")
    parser.add_argument("--demo-customers", type=int, default=3000)
    parser.add_argument("--demo-days", type=int, default=90)
    args = parser.parse_args(argv)
    settings = get_settings()
    log_file = settings.data_path / "logs" / "quickstart.log"
    _log_to_file(log_file)

    def echo(line: str) -> None:
        print(line, file=sys.stderr, flush=True)
        log.info("%s", line)

    try:
        last = date.fromisoformat(args.date) if args.date else datetime.now(timezone.utc).date()
        dates = [last - timedelta(days=n) for n in range(args.days - 1, -1, -1)]
        _run(settings, dates, args, log_file, echo)
    except FinriskError as exc:
        where = "" if str(log_file) in str(exc) else f" (details: {log_file})"
        print(f"error: {exc}{where}", file=sys.stderr)
        return 1
    except Exception as exc:  # unexpected: still one line, the traceback is in the log
        log.exception("quick start failed")
        print(f"error: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
              f" (details: {log_file})", file=sys.stderr)
        return 1
    return 0


def _run(settings: Settings, dates: list[date], args, log_file: Path, echo) -> None:
    from finrisk.airflow_env import airflow_env, metadata_url, set_up
    from finrisk.db.engine import describe, get_engine, warehouse_url
    from finrisk.db.migrate import upgrade
    from finrisk.db.embedded import DATABASES
    from finrisk.pipeline import source_is_empty
    from finrisk.registry.tracking import tracking_uri

    engine = get_engine(settings)
    echo(f"warehouse {describe(warehouse_url(settings))}" + ("" if settings.database_url else
         f" (embedded PostgreSQL under {settings.data_path / 'pg'}: databases {', '.join(DATABASES)})"))
    applied = upgrade(engine)
    echo(f"schema: {len(applied)} migration(s) applied")
    if source_is_empty(settings):
        from finrisk.demo import generate

        echo(generate(settings, args.demo_customers, args.demo_days, 42, end_date=dates[-1]).line())
    else:
        echo("source.* already holds data: no demo data generated")

    home = settings.data_path / "airflow"
    env = airflow_env(home, metadata_url(settings))
    env.setdefault("MLFLOW_TRACKING_URI", tracking_uri(settings))
    env["FINRISK_DATA_DIR"] = str(settings.data_path)
    set_up(env, settings, log_file=log_file)
    echo(f"Airflow home {home}: metadata migrated, pool gpu ({settings.airflow.gpu_pool_slots} slot)")

    _train(env, dates[0], log_file, settings, echo)
    for day in dates:
        _nightly(env, day, log_file, _expected_records(settings, day), echo)
    _summary(settings, dates[-1], echo)


def _summary(settings: Settings, day: date, echo) -> None:
    from finrisk import steps
    from finrisk.summary import morning_summary, summary_text

    summary = morning_summary(settings, day, steps.resolve_versions(settings))
    echo("")
    for line in summary_text(summary).splitlines()[1:]:
        echo(f"  {line}")
    echo("")
    echo("where to look:")
    echo("  SQL        select * from risk.latest_risk_scores order by pd_12m desc limit 20")
    echo(f"             early warnings: select * from risk.risk_alerts where score_date = '{day}'")
    echo("             more in sql/queries/*.sql")
    echo(f"  Data Docs  {settings.data_path / 'quality' / 'data_docs' / 'index.html'}")
    echo("  UIs        finrisk ui   (Airflow: both DAGs and their runs; MLflow: versions and the champion alias)")
    echo(f"  log        {settings.data_path / 'logs' / 'quickstart.log'}")
    if not settings.database_url:
        from finrisk.db.embedded import server_pid

        if server_pid(settings.data_path) is not None:
            echo(f"the embedded PostgreSQL under {settings.data_path / 'pg'} is still running (finrisk ui uses it); "
                 "stop it with `.venv/bin/finrisk db stop`")


if __name__ == "__main__":
    sys.exit(main())
