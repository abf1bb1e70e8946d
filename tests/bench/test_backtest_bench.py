"""Smoke runs of bench/backtest_rates.py and bench/cbpe_shift.py at small sizes: they run, and their figures are sound.

At the stated PD the Jeffreys test should reject about as often as its level (0.05), at twice the PD
almost always. 400 portfolios of 400 obligors keep it to a couple of seconds; the bounds are wide
enough for that sample (a binomial 0.05 on 400 portfolios has a standard error of 0.011).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_backtest_rates_bench_prints_nominal_and_near_certain_rejection():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "backtest_rates.py"), "--portfolios", "400", "--observations", "400"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert "ratio" in lines[-1]
    stated = float(re.search(r"at the stated PD: ([0-9.]+)", done.stdout).group(1))
    twice = float(re.search(r"at twice the PD: +([0-9.]+)", done.stdout).group(1))
    assert 0.005 <= stated <= 0.09, done.stdout
    assert twice >= 0.9, done.stdout


def test_cbpe_shift_bench_runs_and_the_estimate_follows_the_realised_drop():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "cbpe_shift.py"), "--customers", "3000", "--bootstrap", "50"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = [line for line in done.stdout.splitlines() if line.strip()][-1]
    assert "ratio" in last
    assert 0.5 < float(last.rsplit(" ", 1)[-1]) < 1.5, done.stdout
