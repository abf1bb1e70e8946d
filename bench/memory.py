"""Benchmark: peak RSS of scoring a date at two customer counts, one fresh process per count.

Run: `python bench/memory.py --customers 10000,100000`

Each count gets its own warehouse with the demo bank (ingested and validated); the three
champions (--base-model, default tiny-random) are trained once and shared through one MLflow
registry. A subprocess per count then runs `score(settings, date)` (stream, score, COPY
into staging, publish) and reports its own peak resident set size (VmHWM: not getrusage's
ru_maxrss, which a child inherits from this parent at exec; see _warehouse.peak_rss_mib), so
neither another count's memory nor this process's demo generation leaks into the figure.
Scoring streams records from a server-side cursor and writes in chunks, so the peak should not grow with the customers.
The last line is the key ratio: peak RSS at the largest count over the smallest (flat = 1.0;
the target is within 10%).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import (  # noqa: E402
    END_DATE,
    another_warehouse,
    bench_settings,
    load_demo,
    peak_rss_mib,
    quiet,
    run_worker,
    scratch,
    table,
    train_champions,
)


def worker(day: str) -> None:
    """Subprocess entry: score and publish the date; print rows, seconds and peak RSS as JSON."""
    quiet()
    from finrisk.config import Settings
    from finrisk.scoring.run import score

    started = time.perf_counter()
    result = score(Settings(), date.fromisoformat(day))
    print(
        json.dumps({"rows": result.rows_scored, "seconds": time.perf_counter() - started, "peak_mib": peak_rss_mib()})
    )


def measure(settings) -> dict:
    return run_worker(__file__, settings, "--date", END_DATE.isoformat())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="10000,100000", help="comma-separated customer counts")
    parser.add_argument("--base-model", default="tiny-random")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--date", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.date)
        return {}
    quiet()

    sizes = sorted(int(c) for c in args.customers.split(","))
    results = []
    with scratch("memory") as base:
        settings = bench_settings(base, args.base_model)
        for k, size in enumerate(sizes):
            with contextlib.ExitStack() as stack:
                target = settings if k == 0 else stack.enter_context(another_warehouse(settings, "memory"))
                load_demo(target, size)  # ingested and validated
                if k == 0:
                    train_champions(target)
                results.append({"customers": size, **measure(target)})
    print(f"peak RSS of one scoring process (score + publish), {args.base_model}, fresh process per count")
    print(
        table(
            [(f"{r['customers']:,}", f"{r['rows']:,}", f"{r['seconds']:.1f}", f"{r['peak_mib']:.0f}") for r in results],
            ("customers", "rows scored", "seconds", "peak RSS MiB"),
        )
    )
    ratio = results[-1]["peak_mib"] / results[0]["peak_mib"]
    summary = {"base_model": args.base_model, "results": results, "ratio": ratio}
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    print(f"memory ratio peak RSS at {sizes[-1]:,} / at {sizes[0]:,} customers: {ratio:.3f} (target <= 1.10)")
    return summary


if __name__ == "__main__":
    main()
