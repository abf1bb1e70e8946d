"""Benchmark: wall-clock of a night by step at two or more customer counts, and time per 1k customers.

Run: `python bench/nightly.py --customers 2000,10000`

For each count a fresh warehouse gets the demo bank (30 days; generated upstream, timed but
not part of the night), then the night's library steps run in order, each timed: ingest,
validate (Great Expectations), score (stage every customer, transaction and article of the
date) and publish (audit, atomic merge into risk.*, monitoring with PSI). These are the
functions the nightly DAG's tasks call. The three champions are trained once, on the first
warehouse, with --base-model (default tiny-random: on this shared 2-core CPU a MiniLM
fine-tune per run is not affordable; pass the packaged model's path to measure it) and shared
by the others through one MLflow registry; training is weekly, so it is reported apart.
The last line is the key ratio: time per 1k customers at the largest count over the smallest
(1.0 means cost grows linearly with the customers).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import (END_DATE, another_warehouse, bench_settings, load_demo, quiet, scratch, table,  # noqa: E402
                        timed, train_champions)

STEPS = ("ingest", "validate", "score", "publish")


def night(settings, customers: int, days: int, train: bool) -> dict:
    """Seconds per step of one night at `customers` (demo generation and training reported apart)."""
    from finrisk.demo import generate
    from finrisk.ingest import run_ingest
    from finrisk.quality import run_validation
    from finrisk.scoring.run import publish, score

    out = {"customers": customers}
    out["generate"], _ = timed(generate, settings, customers, days, seed=42, end_date=END_DATE)
    out["ingest"], _ = timed(run_ingest, settings, END_DATE)
    out["validate"], _ = timed(run_validation, settings, END_DATE)
    if train:
        out["train"] = train_champions(settings)
    out["score"], scored = timed(score, settings, END_DATE, shard=(0, 1))
    out["publish"], _ = timed(publish, settings, END_DATE)
    out["rows_scored"] = scored.rows_scored
    out["night"] = sum(out[s] for s in STEPS)
    out["per_1k"] = out["night"] / (customers / 1000)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="2000,10000", help="comma-separated customer counts")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--base-model", default="tiny-random")
    parser.add_argument("--train-steps", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    sizes = sorted(int(c) for c in args.customers.split(","))
    results = []
    with scratch("nightly") as base:
        settings = bench_settings(base, args.base_model, args.train_steps)
        results.append(night(settings, sizes[0], args.days, train=True))
        for size in sizes[1:]:
            with contextlib.ExitStack() as stack:
                other = stack.enter_context(another_warehouse(settings, "nightly"))
                results.append(night(other, size, args.days, train=False))
    rows = [(f"{r['customers']:,}", f"{r['rows_scored']:,}", f"{r['generate']:.1f}", *(f"{r[s]:.1f}" for s in STEPS),
             f"{r['night']:.1f}", f"{r['per_1k']:.2f}") for r in results]
    print(f"nightly steps by customer count ({args.days} days of demo data, {args.base_model}; "
          f"champions trained once in {results[0]['train']:.0f} s, not part of the night)")
    print(table(rows, ("customers", "rows scored", "generate s", *(f"{s} s" for s in STEPS), "night s", "s per 1k")))
    ratio = results[-1]["per_1k"] / results[0]["per_1k"]
    summary = {"base_model": args.base_model, "days": args.days, "sizes": results, "ratio": ratio}
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    print(f"nightly ratio time per 1k customers at {sizes[-1]:,} / at {sizes[0]:,}: {ratio:.2f} (1.0 = linear)")
    return summary


if __name__ == "__main__":
    main()
