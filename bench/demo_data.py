"""Benchmark: `finrisk demo-data` for 100,000 customers x 30 days, against two baselines.

Run: `python bench/demo_data.py` (embedded PostgreSQL under ./data, or FINRISK_DATABASE_URL).

It prints
1. the end-to-end time of `finrisk.demo.generate` (generation with numpy + one COPY
   transaction), and its ratio to the issue's budget of 120 s on this 2-core machine
   (below 1.0 means within budget);
2. a same-process baseline for the load: a sample of the same kind of transaction rows
   written row by row with psycopg2 `executemany` inserts, extrapolated linearly to the
   full transaction count, against the measured COPY load of the full data set
   (`copy_frame`), as a speed-up ratio. The sample goes to a temporary table, so the
   source tables keep the generated data.
Timings are noisy on a shared machine; the ratios are what to compare between runs.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from finrisk.config import get_settings
from finrisk.db.copy import copy_frame
from finrisk.db.engine import get_engine
from finrisk.db.migrate import upgrade
from finrisk.demo import build_frames, generate

BUDGET_S = 120.0
INSERT = (
    "insert into bench_txns (txn_id, customer_id, occurred_at, amount, currency, merchant, description, channel,"
    " country) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def baseline_rows_per_second(engine, sample_rows: int) -> tuple[float, float]:
    """Rows per second for executemany inserts and for copy_frame of the same transaction sample."""
    sample = build_frames(3000, 30, 7, date(2026, 3, 31))["source.transactions"].head(sample_rows)
    rows = list(sample.itertuples(index=False, name=None))
    with engine.begin() as conn:
        dbapi = conn.connection.dbapi_connection
        with dbapi.cursor() as cur:
            cur.execute("create temp table bench_txns (like source.transactions) on commit drop")
            started = time.perf_counter()
            cur.executemany(INSERT, rows)
            insert_s = time.perf_counter() - started
            cur.execute("truncate bench_txns")
        started = time.perf_counter()
        copy_frame(dbapi, "pg_temp.bench_txns", sample)
        copy_s = time.perf_counter() - started
    return len(rows) / insert_s, len(rows) / copy_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--sample-rows", type=int, default=20_000, help="rows for the executemany baseline")
    args = parser.parse_args()

    settings = get_settings()
    engine = get_engine(settings)
    upgrade(engine)
    summary = generate(settings, args.customers, args.days, seed=42, end_date=date(2026, 3, 31))
    print(summary.line())
    print(
        f"demo-data {args.customers} customers x {args.days} days: {summary.seconds:.1f} s end to end "
        f"(generate {summary.seconds - summary.load_seconds:.1f} s, COPY load {summary.load_seconds:.1f} s); "
        f"ratio to the {BUDGET_S:.0f} s budget: {summary.seconds / BUDGET_S:.2f}"
    )

    insert_rate, copy_rate = baseline_rows_per_second(engine, args.sample_rows)
    extrapolated = summary.transactions / insert_rate
    print(
        f"baseline executemany: {insert_rate:,.0f} rows/s on {args.sample_rows} rows -> "
        f"{extrapolated:.0f} s extrapolated for {summary.transactions:,} transactions "
        f"(copy_frame on the same sample: {copy_rate:,.0f} rows/s, {copy_rate / insert_rate:.1f}x); "
        f"whole COPY load of all six tables is {extrapolated / summary.load_seconds:.1f}x faster than "
        f"inserting the transactions alone row by row"
    )


if __name__ == "__main__":
    main()
