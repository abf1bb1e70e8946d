"""CI smoke runs of the bench/ scripts at tiny sizes: each runs and prints its ratio line.

Benchmarks are not tests: nothing here asserts a speed. The scoring-only scripts take seconds;
the night-shaped ones (shards, memory, nightly) train three tiny champions first, about a minute. Each script runs
in a subprocess
(as a person would run it) with the tiny random BERT and a few records, against the test
PostgreSQL server, and must exit 0 with its last line naming the key ratio.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("FINRISK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")

SMOKE = {
    "score.py": [
        "--records",
        "24",
        "--probe-records",
        "40",
        "--base-model",
        "tiny-random",
        "--repeats",
        "1",
        "--sweep",
        "8",
    ],
    "reasons.py": ["--records", "8", "--probe-records", "40", "--base-model", "tiny-random", "--repeats", "1"],
    "train.py": [
        "--records",
        "32",
        "--steps",
        "2",
        "--batch-size",
        "8",
        "--base-model",
        "tiny-random",
        "--repeats",
        "1",
    ],
    "publish.py": ["--rows", "300", "--repeats", "1"],
    # the night-shaped scripts train three tiny champions first: 300 customers is the least that
    # gives every time slice of the credit split both outcomes
    "shards.py": ["--customers", "300", "--shards", "1,2", "--base-model", "tiny-random"],
    # one count: the smoke proves the script runs end to end; its ratio needs the full sizes
    "memory.py": ["--customers", "300", "--base-model", "tiny-random"],
    # nightly.py's nights through Airflow itself (a private metadata database, airflow dags test), one size: its
    # plain mode differs only in calling the steps in-process, the worker memory.py's smoke runs
    "nightly.py --airflow": [
        "--customers",
        "300",
        "--train-customers",
        "300",
        "--train-days",
        "30",
        "--base-model",
        "tiny-random",
    ],
    "bank_train.py": ["--customers", "400", "--base-model", "tiny-random"],
    "fused_reasons.py": [
        "--customers",
        "300",
        "--days",
        "60",
        "--records",
        "40",
        "--base-model",
        "tiny-random",
        "--repeats",
        "1",
    ],
    "fused_score.py": [
        "--customers",
        "300",
        "--days",
        "60",
        "--records",
        "40",
        "--base-model",
        "tiny-random",
        "--repeats",
        "1",
        "--seeds",
        "1,2",
    ],
    "reason_letters.py": ["--customers", "300", "--days", "60", "--records", "80", "--base-model", "tiny-random"],
    "seeds.py": ["--customers", "300", "--days", "60", "--seeds", "1,2", "--base-model", "tiny-random"],
}


@pytest.mark.parametrize("script", sorted(SMOKE))
def test_bench_script_runs_and_prints_its_ratio(script, tmp_path):
    name, *flags = script.split()
    path = ROOT / "bench" / name
    env = {
        **os.environ,
        "FINRISK_BENCH_ADMIN_URL": SERVER,
        "FINRISK_DATA_DIR": str(tmp_path / "data"),
        "PYTHONWARNINGS": "ignore",
    }
    done = subprocess.run(
        [sys.executable, str(path), *flags, *SMOKE[script]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines and "ratio" in lines[-1], done.stdout[-2000:]
