"""Benchmark: the AUC estimated before labels (CBPE) against the realised AUC, before and after a covariate shift.

Run: `python bench/cbpe_shift.py --customers 20000`

A calibrated model (p = P(default | x)) scores a population with x ~ N(0, 1), then one whose x has
half the spread (a planted covariate shift: P(default | x) unchanged, the book more alike, so the
realised AUC falls). For each: the AUC estimated from the PDs alone (`finrisk.backtest.estimate`), the
realised AUC on labels drawn from the PDs with its bootstrap interval, the expected and realised
default rate. The last line is the ratio of the estimated drop to the realised drop.
"""

from __future__ import annotations

import argparse

import numpy as np

from finrisk.backtest.discrimination import bootstrap_auc
from finrisk.backtest.estimate import estimated_auc, expected_default_rate


def population(rng, n: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated PDs of a population whose score input has `spread`, and labels drawn from them."""
    x = rng.normal(0.0, spread, n)
    p = 1 / (1 + np.exp(-(-2.8 + 1.2 * x)))
    return p, rng.random(n) < p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--bootstrap", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"{'population':<22}{'N':>7}{'est. AUC':>10}{'realised AUC [95% CI]':>28}{'exp. DR':>9}{'real. DR':>10}")
    figures = {}
    for name, spread in (("before", 1.0), ("after shift (x/2)", 0.5)):
        p, y = population(rng, args.customers, spread)
        real = bootstrap_auc(p, y, args.bootstrap, seed=args.seed)
        figures[name] = (estimated_auc(p), real.auc)
        print(
            f"{name:<22}{len(p):>7}{estimated_auc(p):>10.3f}{real.auc:>11.3f} [{real.low:.3f}, {real.high:.3f}]"
            f"{expected_default_rate(p):>9.3f}{y.mean():>10.3f}"
        )
    (eb, rb), (ea, ra) = figures.values()
    print(
        f"drop: estimated {eb - ea:.3f}, realised {rb - ra:.3f}; ratio estimated/realised {(eb - ea) / (rb - ra):.2f}"
    )


if __name__ == "__main__":
    main()
