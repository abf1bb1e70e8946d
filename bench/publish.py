"""Benchmark: rows/s of finrisk's write-back (COPY into staging, then swap) against row-by-row inserts.

Run: `python bench/publish.py --rows 100000`

The same credit score rows (the shape of risk_stage.credit_scores: PD, points, band, reason
codes and numeric inputs as JSON) land in a table shaped like the published one, in a
throwaway database, two ways, best-of-3 in this process:
- finrisk: `finrisk.db.copy.copy_rows` (the COPY the scoring step stages with) into a staging
  table, then one transaction deletes the date from the target and inserts the staged rows:
  the publish pattern (readers see the old date or the new one, never half);
- row by row: psycopg2 `executemany` of one INSERT per row into the target, one transaction.
The last line is the key ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import quiet, scratch, table  # noqa: E402

COLUMNS = (
    "run_id",
    "score_date",
    "customer_id",
    "pd_12m",
    "score_points",
    "risk_band",
    "reason_codes",
    "numeric_inputs",
    "company",
    "model_version",
)
DAY = date(2026, 3, 31)


def score_rows(n: int, seed: int = 7) -> list[tuple]:
    """n credit score rows with realistic JSON payloads (no real person's data)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        pd = rng.betavariate(1.2, 14)
        band = "ABCDE"[sum(pd > c for c in (0.02, 0.05, 0.10, 0.20))]
        reasons = (
            [
                {"code": "arrears 24m", "description": "profile: arrears 24m", "contribution": round(pd / 3, 5)},
                {
                    "code": "notes",
                    "description": "notes mention risk factors (notes)",
                    "contribution": round(pd / 5, 5),
                },
            ]
            if band in "CDE"
            else []
        )
        numeric = {
            "txn_count_30d": rng.randint(0, 60),
            "txn_amount_30d": round(rng.uniform(0, 5000), 2),
            "news_count_90d": rng.randint(0, 5),
        }
        rows.append(
            (
                "bench-run",
                DAY,
                f"C{i:07d}",
                pd,
                int(600 - 20 * pd * 10),
                band,
                reasons,
                numeric,
                f"Company {i % 400}",
                "3",
            )
        )
    return rows


def copy_then_swap(dbapi, rows) -> None:
    from finrisk.db.copy import copy_rows

    with dbapi.cursor() as cur:
        cur.execute("truncate bench_stage")
        copy_rows(dbapi, "public.bench_stage", COLUMNS, rows)
        cur.execute("delete from bench_target where score_date = %s", (DAY,))
        cur.execute("insert into bench_target select * from bench_stage")
        cur.execute("truncate bench_stage")
    dbapi.commit()


def row_by_row(dbapi, rows) -> None:
    plain = [tuple(json.dumps(v) if isinstance(v, (dict, list)) else v for v in row) for row in rows]
    with dbapi.cursor() as cur:
        cur.execute("delete from bench_target where score_date = %s", (DAY,))
        cur.executemany(
            f"insert into bench_target ({', '.join(COLUMNS)}) values ({', '.join(['%s'] * len(COLUMNS))})", plain
        )
    dbapi.commit()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    from finrisk.db.engine import get_engine

    rows = score_rows(args.rows)
    with scratch("publish") as settings:
        raw = get_engine(settings).raw_connection()
        try:
            dbapi = raw.dbapi_connection
            with dbapi.cursor() as cur:
                for name in ("bench_stage", "bench_target"):
                    cur.execute(f"create table {name} (like risk_stage.credit_scores including defaults)")
            dbapi.commit()
            timings = {}
            for name, fn in (("copy", copy_then_swap), ("insert", row_by_row)):
                best = float("inf")
                for _ in range(args.repeats):
                    started = time.perf_counter()
                    fn(dbapi, rows)
                    best = min(best, time.perf_counter() - started)
                timings[name] = best
            with dbapi.cursor() as cur:
                cur.execute("select count(*) from bench_target")
                landed = cur.fetchone()[0]
        finally:
            raw.close()
    assert landed == args.rows, f"{landed} rows landed, expected {args.rows}"
    n = args.rows
    result = {
        "rows": n,
        "copy_rps": n / timings["copy"],
        "insert_rps": n / timings["insert"],
        "ratio": timings["insert"] / timings["copy"],
    }
    print(f"write-back of {n:,} credit score rows, best of {args.repeats}")
    print(
        table(
            [
                ("COPY into staging, then swap (finrisk)", f"{n / timings['copy']:,.0f}", f"{timings['copy']:.2f}"),
                ("row-by-row INSERT (executemany)", f"{n / timings['insert']:,.0f}", f"{timings['insert']:.2f}"),
            ],
            ("path", "rows/s", "best s"),
        )
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print(f"publish ratio copy+swap/row-by-row: {result['ratio']:.1f}x rows/s")
    return result


if __name__ == "__main__":
    main()
