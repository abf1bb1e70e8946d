"""Benchmark: the seed spread of holdout metrics, fused models against every baseline on the same split.

Run: `python bench/seeds.py --customers 3000 --days 90 --seeds 42,43,44`
(`--encoder-text slow,all`: each fused model also with its encoder reading every field, daily figures included.)

The demo bank of the quick start (3,000 customers, 90 days, seed 42) is generated, ingested and
validated once; then `train_model` runs for credit and fraud once per training seed with the
quick start's settings (packaged MiniLM unless --base-model, frozen encoder, fused head). The
encoder's vectors are computed in the first run and reused (`embedding_cache`: the texts and the
frozen encoder do not change with the seed); what a seed changes is the head's initialisation and
batch order, the HGB baselines' and the stacked tree's folds and early-stopping split.
It prints every run's holdout AUC, PR-AUC, KS, Brier and ECE for the fused model and each baseline, the mean and
standard deviation per model, and, as the last line, credit's fused-minus-best-baseline AUC gain
as a ratio of its seed spread (above ~2: the gain is not noise).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import END_DATE, load_demo, quiet, scratch, table  # noqa: E402

METRICS = ("auc", "pr_auc", "ks", "brier", "ece")


def _spread(values: list[float]) -> str:
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{mean:.4f} ± {sd:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seeds", default="42,43,44")
    parser.add_argument("--models", default="credit,fraud")
    parser.add_argument("--encoder-text", default="slow", help="slow (fields less meta['wide_only']), all, or both")
    parser.add_argument("--base-model", default=None, help="default: the quick start's (packaged MiniLM)")
    args = parser.parse_args()
    quiet()
    from finrisk.config import GateSettings
    from finrisk.models.args import TrainArgs
    from finrisk.quality import run_validation
    from finrisk.training.train import train_model

    seeds = [int(s) for s in args.seeds.split(",")]
    results: dict[str, list] = {}
    with scratch("seeds") as settings:
        load_demo(settings, args.customers, args.days)
        run_validation(settings, END_DATE)
        settings = settings.model_copy(update={"gate": GateSettings(min_auc=0.0, max_calibration_error=1.0)})
        for model in args.models.split(","):
            cache: dict = {}  # keyed by text: the slow and the full encoder texts share it
            for variant in args.encoder_text.split(","):
                label = model if variant == "slow" else f"{model} ({variant} text)"
                for seed in seeds:
                    started = time.perf_counter()
                    train_args = TrainArgs.from_settings(
                        settings, seed=seed, base_model=args.base_model, slow_text=variant == "slow"
                    )
                    result = train_model(settings, model, train_args, embedding_cache=cache)
                    results.setdefault(label, []).append((seed, result, time.perf_counter() - started))
    rows = []
    for model, runs in results.items():
        for seed, result, seconds in runs:
            rows.append(
                (
                    model,
                    seed,
                    result.fingerprint["holdout"]["rows"],
                    "fused",
                    *(f"{result.metrics[m]:.4f}" for m in METRICS),
                    f"{seconds:.0f} s",
                )
            )
            rows += [
                (model, seed, "", name, *(f"{m[k]:.4f}" for k in METRICS), "") for name, m in result.baselines.items()
            ]
    print(table(rows, ("model", "seed", "holdout n", "what", "AUC", "PR-AUC", "KS", "Brier", "ECE", "train time")))
    print()
    summary = []
    for model, runs in results.items():
        names = ["fused", *runs[0][1].baselines]
        for name in names:
            pick = (lambda r: r.metrics) if name == "fused" else (lambda r, n=name: r.baselines[n])
            summary.append((model, name, *(_spread([pick(r)[m] for _, r, _ in runs]) for m in METRICS)))
    print(
        table(
            summary,
            ("model", "what", *(f"{m} over {len(seeds)} seeds" for m in ("AUC", "PR-AUC", "KS", "Brier", "ECE"))),
        )
    )
    credit = results.get("credit") or next(iter(results.values()))
    gains = [r.metrics["auc"] - max(m["auc"] for m in r.baselines.values()) for _, r, _ in credit]
    spread = statistics.stdev([r.metrics["auc"] for _, r, _ in credit]) if len(credit) > 1 else float("nan")
    gain_per_spread = statistics.fmean(gains) / spread if spread else float("inf")
    print(
        f"credit fused AUC minus best baseline: mean {statistics.fmean(gains):+.4f}; "
        f"ratio of gain to seed spread (sd {spread:.4f}): {gain_per_spread:.1f}"
    )


if __name__ == "__main__":
    main()
