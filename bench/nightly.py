"""Benchmark: wall-clock of two nights by step at two or more customer counts, time per 1k, and peak RSS.

Run: `python bench/nightly.py --customers 10000,100000`

The three champions are trained once, on a demo bank of --train-customers (--train-days of
history, the packaged MiniLM unless --base-model says otherwise), and shared through one MLflow
registry; training is weekly, so it is reported apart. Each customer count then gets a fresh
warehouse with the demo bank (--days of history; generated upstream, timed but not part of the
night) and two nights, the functions the nightly DAG's tasks call, each timed:
- the first night (the day before the end date): nothing stored yet, every distinct text is
  encoded;
- the next night (the end date): ingest, validate (Great Expectations), score (stage every
  customer, transaction and article of the date, in a fresh process: its peak RSS is printed),
  publish (audit, atomic merge into risk.*, monitoring with PSI). The encoder runs only on the
  texts the first night did not store (ops.text_embeddings): the count is printed.
With --airflow, each night is the nightly DAG itself, executed by Airflow (`airflow dags test
finrisk_nightly DATE`, a private Airflow per customer count); the steps are its task instances'
durations from Airflow's metadata (ingest: check_migrations + ingest_sources; score:
resolve_versions + score_shard; publish: publish_scores + monitor_drift + signal_drift +
send_morning_summary + estimate_performance), "airflow" is the rest of the command's wall-clock (interpreter and DAG
start-up, scheduling between tasks), and the night is that whole wall-clock. The peak RSS is the
`airflow` process's (its tasks run in it).
The last line is the key ratio: the next night's time per 1k customers at the largest count
over the smallest (1.0 means cost grows linearly with the customers), its wall-clock at the
largest count, and the peak RSS ratio of the scoring processes (target within 10%).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import (  # noqa: E402
    END_DATE,
    TreePeak,
    airflow_site,
    another_warehouse,
    bench_settings,
    peak_rss_mib,
    quiet,
    run_worker,
    scratch,
    table,
    timed,
    train_champions,
)

STEPS = ("ingest", "validate", "score", "publish")
AIRFLOW_STEPS = (*STEPS, "airflow")  # --airflow: the rest of the command's wall-clock is a step of its own
SPECS_PRIMARY = {"news": "macro_f1"}
NIGHTS = (("first", END_DATE - timedelta(days=1)), ("next", END_DATE))
# the nightly DAG's tasks, by the step they belong to (--airflow)
TASK_STEP = {
    "check_migrations": "ingest",
    "ingest_sources": "ingest",
    "validate_staging": "validate",
    "resolve_versions": "score",
    "score_shard": "score",
    "publish_scores": "publish",
    "monitor_drift": "publish",
    "signal_drift": "publish",
    "send_morning_summary": "publish",
    "estimate_performance": "publish",
}
SCORED = re.compile(r"scored \w+ \+(\d+) records")
TASK_TIMES = """
select ti.task_id, ti.state, extract(epoch from ti.end_date - ti.start_date) as seconds, dr.state as run_state
from task_instance ti join dag_run dr on dr.dag_id = ti.dag_id and dr.run_id = ti.run_id
where dr.dag_id = :dag_id and dr.logical_date::date = :day
"""


def worker(day: str) -> None:
    """Subprocess entry: stage the date (one shard); print rows, seconds and peak RSS as JSON."""
    quiet()
    from finrisk.config import Settings
    from finrisk.scoring.run import score

    started = time.perf_counter()
    result = score(Settings(), date.fromisoformat(day), shard=(0, 1))
    print(
        json.dumps({"rows": result.rows_scored, "seconds": time.perf_counter() - started, "peak_mib": peak_rss_mib()})
    )


def _score(settings, day: date) -> dict:
    return run_worker(__file__, settings, "--date", day.isoformat())


def _stored(settings) -> int:
    import sqlalchemy as sa

    from finrisk.db.engine import get_engine

    with get_engine(settings).connect() as conn:
        return int(conn.execute(sa.text("select count(*) from ops.text_embeddings")).scalar_one())


def night(settings, day: date) -> dict:
    """Seconds per step of one night, rows scored, distinct texts encoded and the scoring process's peak RSS."""
    from finrisk.ingest import run_ingest
    from finrisk.quality import run_validation
    from finrisk.scoring.run import publish

    out: dict = {}
    before = _stored(settings)
    out["ingest"], _ = timed(run_ingest, settings, day)
    out["validate"], _ = timed(run_validation, settings, day)
    out["score"], scored = timed(_score, settings, day)
    out["publish"], _ = timed(publish, settings, day)
    out.update(rows=scored["rows"], peak_mib=scored["peak_mib"], encoded=_stored(settings) - before)
    out["night"] = sum(out[s] for s in STEPS)
    return out


def airflow_night(settings, env: dict[str, str], day: date) -> dict:
    """One night through Airflow: seconds per step from its task instances, the command's wall-clock, the rows
    its score_shard tasks logged, the texts encoded and the `airflow` process's peak RSS."""
    import sqlalchemy as sa

    log = Path(env["AIRFLOW_HOME"]) / "runs.log"
    offset = log.stat().st_size if log.exists() else 0
    before = _stored(settings)
    started = time.perf_counter()
    with log.open("a") as out:
        proc = subprocess.Popen(
            ["airflow", "dags", "test", "finrisk_nightly", day.isoformat()],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        watch = TreePeak(proc.pid)  # the airflow process (its tasks run in it) and anything it starts
        watch.start()
        proc.wait()
        peak = watch.stop()
    wall = time.perf_counter() - started
    metadata = sa.create_engine(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    with metadata.connect() as conn:
        tasks = conn.execute(sa.text(TASK_TIMES), {"dag_id": "finrisk_nightly", "day": day}).all()
    metadata.dispose()
    failed = [t.task_id for t in tasks if t.state not in ("success", "skipped")]
    if proc.returncode != 0 or not tasks or failed or tasks[0].run_state != "success":
        # the log lives in the bench's temporary folder, gone when it exits: its errors go to stderr first
        with log.open(errors="replace") as f:
            f.seek(offset)
            errors = [line for line in f.read().splitlines() if "error" in line.lower()]
        sys.stderr.write("\n".join(errors[-20:]) + "\n")
        raise SystemExit(
            f"finrisk_nightly {day} did not succeed through Airflow (exit {proc.returncode}, "
            f"tasks not done: {failed or 'none recorded'}; log: {log})"
        )
    out: dict = {step: 0.0 for step in STEPS}
    for t in tasks:
        out[TASK_STEP[t.task_id]] += float(t.seconds or 0.0)
    with log.open(errors="replace") as f:
        f.seek(offset)
        rows = sum(int(m.group(1)) for m in SCORED.finditer(f.read()))
    out.update(
        airflow=wall - sum(out[s] for s in STEPS),
        night=wall,
        rows=rows,
        peak_mib=peak,
        encoded=_stored(settings) - before,
    )
    return out


def size_run(settings, customers: int, days: int, airflow: bool = False) -> dict:
    from finrisk.demo import generate

    out: dict = {"customers": customers}
    out["generate"], _ = timed(generate, settings, customers, days, seed=42, end_date=END_DATE)
    with contextlib.ExitStack() as stack:
        env = stack.enter_context(airflow_site(settings)) if airflow else None
        for name, day in NIGHTS:
            out[name] = airflow_night(settings, env, day) if env else night(settings, day)
            out[name]["per_1k"] = out[name]["night"] / (customers / 1000)
    return out


def _report_size(results: list[dict], path: Path | None) -> None:
    """One line per night of the customer count just done (a 100k run takes hours here: a run stopped later
    keeps the sizes it finished), and the sizes done so far beside --json as PATH.partial."""
    result = results[-1]
    for name, _ in NIGHTS:
        r = result[name]
        steps = ", ".join(f"{s} {r[s]:.1f} s" for s in (AIRFLOW_STEPS if "airflow" in r else STEPS))
        print(
            f"{result['customers']:,} customers, {name} night: {r['night']:.1f} s ({steps}); {r['rows']:,} rows, "
            f"{r['encoded']:,} texts encoded, {'airflow' if 'airflow' in r else 'scoring'} peak RSS "
            f"{r['peak_mib']:.0f} MiB",
            flush=True,
        )
    if path:
        path.with_name(path.name + ".partial").write_text(json.dumps(results, indent=2, default=str))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="10000,100000", help="comma-separated customer counts")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--train-customers", type=int, default=3000)
    parser.add_argument("--train-days", type=int, default=90)
    parser.add_argument("--base-model", default=None, help="default: the packaged MiniLM")
    parser.add_argument("--train-steps", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--airflow", action="store_true", help="run each night through Airflow (airflow dags test finrisk_nightly DATE)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--date", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.date)
        return {}
    quiet()
    from finrisk.demo import generate
    from finrisk.ingest import run_ingest
    from finrisk.quality import run_validation

    sizes = sorted(int(c) for c in args.customers.split(","))
    model = args.base_model or "packaged MiniLM"
    results = []
    with scratch("nightly") as base:
        settings = bench_settings(base, args.base_model, args.train_steps)
        generate(settings, args.train_customers, args.train_days, seed=42, end_date=END_DATE)
        run_ingest(settings, END_DATE)
        run_validation(settings, END_DATE)
        trained: dict = {}
        train_s = train_champions(settings, results=trained)
        for size in sizes:
            with contextlib.ExitStack() as stack:
                results.append(
                    size_run(
                        stack.enter_context(another_warehouse(settings, "nightly")),
                        size,
                        args.days,
                        airflow=args.airflow,
                    )
                )
            _report_size(results, args.json)
    how = "through Airflow (airflow dags test finrisk_nightly)" if args.airflow else "the DAG's task functions"
    print(
        f"two nights by step and customer count, {how} ({args.days} days of demo data, {model}; champions "
        f"trained once on {args.train_customers:,} customers in {train_s:.0f} s, not part of a night)"
    )
    print(
        table(
            [
                (
                    m,
                    t.version,
                    *(f"{t.metrics.get(k, float('nan')):.4f}" for k in ("auc", "pr_auc", "macro_f1")),
                    t.best_baseline,
                    f"{t.baseline_metrics.get(SPECS_PRIMARY.get(m, 'auc'), float('nan')):.4f}",
                )
                for m, t in trained.items()
            ],
            ("model", "version", "holdout AUC", "PR-AUC", "macro-F1", "best baseline", "its primary metric"),
        )
    )
    columns = AIRFLOW_STEPS if args.airflow else STEPS
    rows = [
        (
            f"{r['customers']:,}",
            name,
            f"{r[name]['rows']:,}",
            f"{r[name]['encoded']:,}",
            *(f"{r[name][s]:.1f}" for s in columns),
            f"{r[name]['night']:.1f}",
            f"{r[name]['per_1k']:.2f}",
            f"{r[name]['peak_mib']:.0f}",
        )
        for r in results
        for name, _ in NIGHTS
    ]
    print(
        table(
            rows,
            (
                "customers",
                "night",
                "rows scored",
                "texts encoded",
                *(f"{s} s" for s in columns),
                "night s",
                "s per 1k",
                "airflow RSS MiB" if args.airflow else "score RSS MiB",
            ),
        )
    )
    ratio = results[-1]["next"]["per_1k"] / results[0]["next"]["per_1k"]
    rss = results[-1]["next"]["peak_mib"] / results[0]["next"]["peak_mib"]
    summary = {
        "base_model": model,
        "days": args.days,
        "airflow": args.airflow,
        "train_s": train_s,
        "sizes": results,
        "ratio": ratio,
        "rss": rss,
        "trained": {m: {"metrics": t.metrics, "baselines": t.baselines} for m, t in trained.items()},
    }
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, default=str))
    print(
        f"nightly ratio time per 1k customers at {sizes[-1]:,} / at {sizes[0]:,}: {ratio:.2f} (1.0 = linear); "
        f"next night at {sizes[-1]:,}: {results[-1]['next']['night'] / 60:.1f} min (target < 30); "
        f"{'airflow' if args.airflow else 'scoring'} peak RSS ratio {rss:.3f} (target <= 1.10)"
    )
    return summary


if __name__ == "__main__":
    main()
