"""Benchmark: training the credit model on bank-shaped customers, loaded as a bank would, against the budget.

Run: `python bench/bank_train.py --customers 10000`

Bank-shaped customers (`finrisk.demo.bank_shaped`: 45 keys, numbers as strings, currency strings,
yes/no, a 300-value branch code, mostly-null columns) go into `source.*`, through ingest and
validation (nothing valid may be quarantined), then `train_model(settings, "credit")` with the
quick start's settings (the packaged MiniLM unless --base-model, frozen encoder, fused head).
It prints the rows, the quarantine count, the time by part, the fused model's holdout AUC against
every baseline on the same split, and as its last line the training time as a ratio of the
issue's 10-minute budget (below 1.0: within budget). Timings are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import quiet, scratch, table  # noqa: E402

BUDGET_S = 600.0
RUN_DATE = date(2025, 1, 31)  # after the last snapshot the generator draws


def load_bank(settings, customers: int, seed: int) -> int:
    """Bank-shaped rows into source.*, ingested and validated for RUN_DATE; returns the rows quarantined."""
    import pandas as pd

    from finrisk.db.engine import get_engine
    from finrisk.demo.bank_shaped import bank_rows
    from finrisk.demo.load import replace_source
    from finrisk.ingest import run_ingest
    from finrisk.quality import run_validation

    rows, outcomes = bank_rows(customers, seed)
    replace_source(
        get_engine(settings), {"source.customers": pd.DataFrame(rows), "source.credit_outcomes": pd.DataFrame(outcomes)}
    )
    run_ingest(settings, RUN_DATE)
    return run_validation(settings, RUN_DATE).quarantined_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--base-model", default=None, help="default: the quick start's (packaged MiniLM)")
    args = parser.parse_args()
    quiet()
    from finrisk.config import GateSettings
    from finrisk.models.args import TrainArgs
    from finrisk.training.train import train_model

    with scratch("bank") as settings:
        started = time.perf_counter()
        quarantined = load_bank(settings, args.customers, args.seed)
        load_s = time.perf_counter() - started
        # the gate's floors do not matter here: the run is measured, not promoted
        settings = settings.model_copy(update={"gate": GateSettings(min_auc=0.0, max_calibration_error=1.0)})
        started = time.perf_counter()
        result = train_model(settings, "credit", TrainArgs.from_settings(settings, base_model=args.base_model))
        train_s = time.perf_counter() - started
    rows = [
        ("customers", f"{args.customers:,}"),
        ("quarantined by validation", str(quarantined)),
        ("load + ingest + validate", f"{load_s:.1f} s"),
        ("train_model (all of it)", f"{train_s:.1f} s"),
        ("  of which embedding", f"{result.fit.get('embed_seconds', 0):.1f} s"),
        ("  of which head", f"{result.fit.get('seconds', 0):.1f} s"),
        ("tabular columns discovered", f"{result.fit.get('tabular_columns', 0):.0f}"),
        ("holdout AUC fused", f"{result.metrics['auc']:.4f}"),
    ]
    rows += [(f"holdout AUC {name}", f"{m['auc']:.4f}") for name, m in result.baselines.items()]
    print(table(rows, ("figure", "value")))
    best = max(m["auc"] for m in result.baselines.values())
    print(
        f"fused AUC {result.metrics['auc']:.4f} vs best baseline {best:.4f} ({result.best_baseline}); "
        f"train time ratio to the {BUDGET_S:.0f} s budget: {train_s / BUDGET_S:.2f}"
    )


if __name__ == "__main__":
    main()
