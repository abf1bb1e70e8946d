"""Benchmark: how often the back-test's Jeffreys test rejects a calibrated book, and a book at twice its PD.

Run: `python bench/backtest_rates.py --portfolios 4000 --observations 2000`

Each simulated portfolio is a book of obligors whose stated PDs are drawn from the demo's band
cut-offs' range; its defaults are drawn at the stated PD (the null: the model is right) and at twice
it (the model underestimates). The one-sided Jeffreys test (finrisk.backtest.calibration) rejects
when p < the amber level (0.05 by default). At the stated PD the rejection rate should sit near that
nominal level (a little under: a book of unequal PDs varies less than a binomial at its mean PD);
at twice the PD, almost always. The last line is the key ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from finrisk.backtest.calibration import jeffreys_p
from finrisk.config import BacktestSettings


def rejection_rate(stated: np.ndarray, true_scale: float, portfolios: int, alpha: float, seed: int) -> float:
    """Share of portfolios whose Jeffreys p is below alpha when defaults happen at true_scale x stated PD."""
    rng = np.random.default_rng(seed)
    rejected = 0
    for _ in range(portfolios):
        defaults = int((rng.random(len(stated)) < np.minimum(stated * true_scale, 1.0)).sum())
        rejected += jeffreys_p(float(stated.mean()), defaults, len(stated)) < alpha
    return rejected / portfolios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolios", type=int, default=4000)
    parser.add_argument("--observations", type=int, default=2000, help="obligors per portfolio")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    alpha = BacktestSettings().amber_p
    rng = np.random.default_rng(args.seed)
    stated = np.exp(rng.uniform(np.log(0.005), np.log(0.25), args.observations))  # log-uniform over bands A..E
    started = time.perf_counter()
    at_pd = rejection_rate(stated, 1.0, args.portfolios, alpha, args.seed + 1)
    at_twice = rejection_rate(stated, 2.0, args.portfolios, alpha, args.seed + 2)
    print(
        f"{args.portfolios} portfolios x {args.observations} obligors, mean stated PD {stated.mean():.4f}, "
        f"Jeffreys one-sided at alpha {alpha}, {time.perf_counter() - started:.1f}s"
    )
    print(f"rejection rate at the stated PD: {at_pd:.4f} (nominal {alpha})")
    print(f"rejection rate at twice the PD:  {at_twice:.4f}")
    print(f"ratio of rejection rates (twice / stated): {at_twice / max(at_pd, 1e-9):.1f}")


if __name__ == "__main__":
    main()
