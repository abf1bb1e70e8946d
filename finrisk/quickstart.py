"""The quick start through Airflow: `python -m finrisk.quickstart` (what scripts/demo.sh runs).

On the embedded PostgreSQL (or the configured URLs): migrations, demo data when the source is
empty, a project-local Airflow (`<data>/airflow`: metadata in the `airflow` database, the `gpu`
pool), then `finrisk_train` for the first of the last three dates and `finrisk_nightly` for the
three dates in order, each executed by Airflow (`airflow dags test`), so the runs show in the
UI afterwards. The console gets one line per step and a progress bar with an ETA for the long
ones (`finrisk.logs`, the CLI's console too); library output goes to `<data>/logs/quickstart.log`.
The bars move on the progress events (`finrisk.progress`) that the Airflow tasks append to
`<data>/logs/quickstart.events.jsonl`, never on log text. An error is one line and the log's path.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from finrisk import logs
from finrisk.config import Settings, get_settings
from finrisk.errors import FinriskError, one_line, redact
from finrisk.progress import Event, Reader, TrainTally

log = logging.getLogger("finrisk.quickstart")


def events_file(settings: Settings) -> Path:
    """The progress events file the quick start's Airflow tasks append to (FINRISK_PROGRESS_FILE)."""
    return settings.data_path / "logs" / "quickstart.events.jsonl"


class _Follow(threading.Thread):
    """Reads the progress events while an Airflow command runs and hands each to `on_event` with the bar."""

    def __init__(self, path: Path, bar, on_event) -> None:
        super().__init__(daemon=True)
        self.reader, self.bar, self.on_event = Reader(path), bar, on_event
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.poll()
            time.sleep(0.5)
        self.poll()

    def poll(self) -> None:
        for event in self.reader.read():
            self.on_event(event, self.bar)


def _watch(on_event, failures: list[str]):
    """`on_event`, and each failed step collected in `failures` as "step: reason"."""

    def watch(event: Event, bar) -> None:
        if event.get("kind") == "step_failed":
            failures.append(f"{event.get('step')}: {event.get('reason')}")
        on_event(event, bar)

    return watch


def _run_with_bar(env, dag_id: str, day: date, log_file: Path, total: int, unit: str, on_event) -> None:
    from finrisk.airflow_env import run_dag

    failures: list[str] = []
    watch = _watch(on_event, failures)
    with logs.bar(f"  {dag_id} {day}", total, unit) as bar:
        follower = _Follow(Path(env["FINRISK_PROGRESS_FILE"]), bar, watch)
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
    results: list[str] = []
    started = time.monotonic()
    _run_with_bar(env, "finrisk_train", day, log_file, 1, "texts embedded / fine-tuning steps", _train_events(results))
    echo(f"finrisk_train {day}: trained {len(results)} models through Airflow in {time.monotonic() - started:.0f}s")
    for line in results:
        echo(line)


def _train_events(results: list[str]):
    """finrisk_train's handler: the bar counts each model's announced work (`TrainTally`); each trained
    model adds its console line to `results`."""
    tallies: dict[int, TrainTally] = {}  # the bar's id -> its tally

    def on_event(event: Event, bar) -> None:
        tallies.setdefault(id(bar), TrainTally(bar))(event)
        if event.get("kind") == "trained":
            results.append(
                f"  trained {event['model']} v{event['version']}: holdout {event['metric']} "
                f"{float(event['value']):.3f}, gate {event['decision']}"
            )

    return on_event


def _nightly_events(scored: dict):
    """finrisk_nightly's handler: the bar and `scored["records"]` count the records scored."""

    def on_event(event: Event, bar) -> None:
        if event.get("kind") == "scored":
            bar.update(int(event["records"]))
            scored["records"] += int(event["records"])

    return on_event


def _nightly(env, day: date, log_file: Path, expected: int, echo) -> None:
    scored = {"records": 0}
    started = time.monotonic()
    _run_with_bar(env, "finrisk_nightly", day, log_file, max(expected, 1), "records scored", _nightly_events(scored))
    echo(
        f"finrisk_nightly {day}: {scored['records']} records scored and published through Airflow "
        f"in {time.monotonic() - started:.0f}s"
    )


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
    console = logs.start(log_file, level=settings.log_level)

    def echo(line: str) -> None:
        logs.echo(line, err=True)

    try:
        last = date.fromisoformat(args.date) if args.date else datetime.now(UTC).date()
        dates = [last - timedelta(days=n) for n in range(args.days - 1, -1, -1)]
        _run(settings, dates, args, log_file, echo)
    except FinriskError as exc:
        where = "" if str(log_file) in str(exc) else f" (details: {log_file})"
        log.info("quick start failed", exc_info=True)
        logs.echo(redact(f"error: {exc}{where}"), err=True)
        return 1
    except Exception as exc:  # unexpected: still one line, the traceback is in the log
        log.exception("quick start failed")
        logs.echo(
            f"error: {type(exc).__name__}: {one_line(exc) if str(exc).strip() else ''} (details: {log_file})", err=True
        )
        return 1
    finally:
        console.close()
    return 0


def _run(settings: Settings, dates: list[date], args, log_file: Path, echo) -> None:
    from finrisk.airflow_env import airflow_env, metadata_url, set_up
    from finrisk.db.embedded import DATABASES
    from finrisk.db.engine import describe, get_engine, warehouse_url
    from finrisk.db.migrate import upgrade
    from finrisk.pipeline import source_is_empty
    from finrisk.registry.tracking import tracking_uri

    engine = get_engine(settings)
    echo(
        f"warehouse {describe(warehouse_url(settings))}"
        + (
            ""
            if settings.database_url
            else f" (embedded PostgreSQL under {settings.data_path / 'pg'}: databases {', '.join(DATABASES)})"
        )
    )
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
    env["FINRISK_PROGRESS_FILE"] = str(events_file(settings))
    set_up(env, settings, log_file=log_file)
    echo(f"Airflow home {home}: metadata migrated, pool gpu ({settings.airflow.gpu_pool_slots} slot)")

    _train(env, dates[0], log_file, settings, echo)
    _approve_as_demo_approver(settings, echo)
    for day in dates:
        _nightly(env, day, log_file, _expected_records(settings, day), echo)
    _backtest(settings, dates, echo)
    _summary(settings, dates[-1], echo)


def _backtest(settings: Settings, dates: list[date], echo) -> None:
    """The published PDs of the nights against the outcomes that followed (`finrisk backtest`), as a table."""
    from finrisk.backtest.run import backtest

    started = time.monotonic()
    try:
        report = backtest(settings, dates[-1], period_start=dates[0])
    except FinriskError as exc:  # the nights are published: a back-test that cannot run is said, not fatal
        echo(f"finrisk backtest {dates[-1]}: not run: {one_line(exc)}")
        return
    echo(f"finrisk backtest {dates[-1]}: PDs against the outcomes that followed, in {time.monotonic() - started:.0f}s")
    for line in report.lines():
        echo(f"  {line}")


DEMO_APPROVER = "quickstart-demo-approver"


def _approve_as_demo_approver(settings: Settings, echo) -> None:
    """Four-eyes in the demo: a named demo approver (not the trainer) approves what waits for approval."""
    from finrisk.registry.approval import approve_waiting

    if settings.approval.required:
        reason = "quick start on synthetic demo data: approved by the demo approver, not a person"
        for line in approve_waiting(settings, DEMO_APPROVER, reason):
            echo(line)


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
    echo("             back-test: select * from risk.backtest_results; inventory: select * from risk.model_inventory")
    echo("             more in sql/queries/*.sql")
    echo(f"  Data Docs  {settings.data_path / 'quality' / 'data_docs' / 'index.html'}")
    echo("  UIs        finrisk ui   (Airflow: both DAGs and their runs; MLflow: versions and the champion alias)")
    echo(f"  log        {settings.data_path / 'logs' / 'quickstart.log'}")
    if not settings.database_url:
        from finrisk.db.embedded import server_pid

        if server_pid(settings.data_path) is not None:
            echo(
                f"the embedded PostgreSQL under {settings.data_path / 'pg'} is still running (finrisk ui uses it); "
                "stop it with `.venv/bin/finrisk db stop`"
            )


if __name__ == "__main__":
    sys.exit(main())
