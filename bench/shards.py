"""Benchmark: scoring a date in n = 1, 2, 4 shards on this machine: speed-up, and merged rows = unsharded rows.

Run: `python bench/shards.py --customers 2000 --shards 1,2,4`

One warehouse gets the demo bank, is ingested and validated, and three champions are trained
once (--base-model, default tiny-random). For each n, n processes run `score(settings, date,
shard=(i, n))` at the same time (as n Airflow mapped tasks would), then `publish(settings,
date)` merges them; the wall-clock covers staging and publishing. The published business
rows (risk.risk_scores, risk.transaction_scores, risk.news_signals without run ids and
timestamps of the run) are compared with the unsharded run's, exactly. The stored encoder
vectors (ops.text_embeddings) are cleared before each timed n, so every n encodes every text
in its own shards (on CPU one text per forward, so no vector depends on the shard); then each
n runs again reading the vectors stored by the last run, as a re-run of a night does, and
those rows are compared too.
The last line is the key ratio: the speed-up at the largest n, and whether the rows matched.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import END_DATE, bench_settings, load_demo, quiet, scratch, settings_env, table, train_champions  # noqa: E402

COMPARED = {
    "risk.risk_scores": ("customer_id", ("run_id", "scored_at")),
    "risk.transaction_scores": ("txn_id", ("run_id",)),
    "risk.news_signals": ("article_id", ("run_id",)),
}


def worker(shard: str, day: str) -> None:
    """Subprocess entry: score one shard i/n of the date with settings from the environment."""
    quiet()
    from finrisk.config import Settings
    from finrisk.scoring.run import score

    i, n = (int(x) for x in shard.split("/"))
    score(Settings(), date.fromisoformat(day), shard=(i, n))


def published(settings) -> dict:
    """The date's business rows per table, sorted by key, run ids and run timestamps left out."""
    import pandas as pd

    from finrisk.db.engine import get_engine

    out = {}
    with get_engine(settings).connect() as conn:
        for name, (key, skip) in COMPARED.items():
            frame = pd.read_sql_query(
                f"select * from {name} where score_date = %(d)s",
                conn.connection.dbapi_connection,
                params={"d": END_DATE},
            )
            out[name] = frame.drop(columns=[c for c in skip if c in frame]).sort_values(key).reset_index(drop=True)
    return out


def differences(frames: dict, base: dict) -> list[str]:
    """'table.column' of each column whose values differ from `base`'s (row counts first), for the printout."""
    out = []
    for name in COMPARED:
        a, b = frames[name], base[name]
        if len(a) != len(b) or list(a.columns) != list(b.columns):
            out.append(f"{name} (rows {len(a)} vs {len(b)})")
            continue
        for c in (c for c in a.columns if not a[c].equals(b[c])):
            try:
                out.append(f"{name}.{c} (max |diff| {float(abs(a[c].astype(float) - b[c].astype(float)).max()):.2g})")
            except (TypeError, ValueError):
                out.append(f"{name}.{c}")
    return out


def forget_vectors(settings) -> None:
    import sqlalchemy as sa

    from finrisk.db.engine import get_engine

    with get_engine(settings).begin() as conn:
        conn.execute(sa.text("delete from ops.text_embeddings"))


def run_sharded(settings, n: int) -> float:
    """Wall-clock seconds of n concurrent shard processes plus the publish that merges them."""
    from finrisk.scoring.run import publish

    env = {**os.environ, **settings_env(settings)}
    started = time.perf_counter()
    procs = [
        subprocess.Popen([sys.executable, __file__, "--worker", f"{i}/{n}", "--date", END_DATE.isoformat()], env=env)
        for i in range(n)
    ]
    codes = [p.wait() for p in procs]
    if any(codes):
        raise SystemExit(f"a shard process failed: exit codes {codes}")
    publish(settings, END_DATE)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--shards", default="1,2,4")
    parser.add_argument("--base-model", default="tiny-random")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--date", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.date)
        return {}
    quiet()
    from finrisk.quality import run_validation

    counts = sorted(int(n) for n in args.shards.split(","))
    results = []
    with scratch("shards") as base:
        settings = bench_settings(base, args.base_model)
        load_demo(settings, args.customers)
        run_validation(settings, END_DATE)
        train_champions(settings)
        cold, warm = {}, {}
        for n in counts:
            forget_vectors(
                settings
            )  # every n encodes from scratch: the stored vectors of a previous n would flatter it
            seconds = run_sharded(settings, n)
            cold[n] = published(settings)
            results.append({"shards": n, "seconds": seconds, "rows": sum(len(f) for f in cold[n].values())})
        for n in counts:  # a re-run of the night in n shards: the encoder vectors the last run stored are read back
            run_sharded(settings, n)
            warm[n] = published(settings)
    base_s = results[0]["seconds"]
    for r in results:
        n = r["shards"]
        r["speedup"] = base_s / r["seconds"]
        r["differ_cold"] = differences(cold[n], cold[counts[0]])
        r["differ_stored"] = differences(warm[n], warm[counts[0]])
        r["equal_cold"], r["equal_stored"] = not r["differ_cold"], not r["differ_stored"]
        pd_n, pd_1 = (
            frame["risk.risk_scores"]["pd_12m"].astype(float).to_numpy() for frame in (cold[n], cold[counts[0]])
        )
        r["max_pd_diff"] = float(abs(pd_n - pd_1).max()) if len(pd_1) == len(pd_n) and len(pd_1) else float("nan")
        r["same_band"] = (
            float((cold[n]["risk.risk_scores"]["risk_band"] == cold[counts[0]]["risk.risk_scores"]["risk_band"]).mean())
            if len(pd_1) == len(pd_n) and len(pd_1)
            else float("nan")
        )
    print(
        f"scoring + publishing {args.customers:,} demo customers in n shards (n processes at once, "
        f"{os.cpu_count()} cores, {args.base_model})"
    )
    yes = {True: "yes", False: "NO"}
    print(
        table(
            [
                (
                    r["shards"],
                    f"{r['seconds']:.1f}",
                    f"{r['speedup']:.2f}x",
                    f"{r['rows']:,}",
                    yes[r["equal_cold"]],
                    f"{r['max_pd_diff']:.2g}",
                    f"{r['same_band']:.2%}",
                    yes[r["equal_stored"]],
                )
                for r in results
            ],
            (
                "shards",
                "wall s",
                "speed-up",
                "published rows",
                f"= {counts[0]} shard, every text encoded",
                "max |PD diff|",
                "same band",
                "= on a re-run (stored vectors)",
            ),
        )
    )
    for r in results:
        for path in ("cold", "stored"):
            if r[f"differ_{path}"]:
                print(f"{r['shards']} shards, {path}: differs in {', '.join(r[f'differ_{path}'])}")
    last = results[-1]
    summary = {
        "customers": args.customers,
        "base_model": args.base_model,
        "results": results,
        "ratio": last["speedup"],
        "all_equal": all(r["equal_cold"] for r in results),
        "all_equal_stored": all(r["equal_stored"] for r in results),
    }
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    print(
        f"shards ratio speed-up at {last['shards']} shards: {last['speedup']:.2f}x; merged rows equal unsharded: "
        f"{yes[summary['all_equal']]} with every text encoded by its own shard (max |PD diff| "
        f"{max(r['max_pd_diff'] for r in results):.2g}), {yes[summary['all_equal_stored']]} with the stored vectors"
    )
    return summary


if __name__ == "__main__":
    main()
