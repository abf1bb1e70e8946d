"""CI smoke run of bench/signals_30_nights.py at its smallest size: the morning's signals over a few nights.

300 customers (the least that trains three tiny champions, as in test_bench_smoke), 3 nights, changes
planted from night 2. The script runs as a person would run it (a subprocess against the test PostgreSQL
server), must exit 0, print its key-figures line and write a well-formed JSON; steady nights give no drift
Asset (nothing changed, so a drift Asset would be a false alarm that retrains a model).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("FINRISK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
SMOKE = [
    "--nights",
    "3",
    "--plant-night",
    "2",
    "--customers",
    "300",
    "--history-days",
    "30",
    "--deteriorating",
    "10",
    "--news-companies",
    "3",
    "--train-steps",
    "5",
]
MODELS = {"credit", "fraud", "news"}
STATUSES = {"drift", "watch", "insufficient_sample", "stable", "no_reference", "not_scored"}


def test_signals_bench_smoke(tmp_path):
    out = tmp_path / "signals.json"
    env = {
        **os.environ,
        "FINRISK_BENCH_ADMIN_URL": SERVER,
        "FINRISK_DATA_DIR": str(tmp_path / "data"),
        "PYTHONWARNINGS": "ignore",
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "signals_30_nights.py"), *SMOKE, "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("signals over 3 nights at 300 customers: steady drift Assets 0"), lines[-1:]
    assert "deteriorating customers in the morning list within 3 nights" in done.stdout

    result = json.loads(out.read_text())
    assert len(result["steady_nights"]) == 3 and len(result["planted_nights"]) == 3
    for n in result["steady_nights"] + result["planted_nights"]:
        assert set(n["models"]) == MODELS
        assert {v["status"] for v in n["models"].values()} <= STATUSES, n["models"]
        assert n["customers_scored"] > 0
        assert set(n["retrain"]) == set(n["drifted"])  # an Asset retrains exactly the models it names
    # the planted warehouse is a copy of the steady one before the plant night
    assert result["planted_nights"][0] == result["steady_nights"][0]
    steady = result["steady"]
    assert set(steady["models"]) == MODELS
    assert all(v["drift_assets"] == 0 for v in steady["models"].values()), steady["models"]
    assert steady["retrain_events"] == []
    assert steady["alerts_per_1k_per_night"] >= 0
    detection = result["detection"]
    assert set(detection["models"]) == MODELS
    assert detection["deteriorating"] == 10 and len(result["plan"]["deteriorating"]) == 10
    assert 0 <= detection["share_within"] <= 1
    assert detection["warned_within"] <= detection["warned_by_last_night"] <= 10
    assert result["plan"]["written"]["shifted_versions"] > 0 and result["plan"]["written"]["fraud_txns_added"] > 0
    assert result["plan"]["written"]["news_articles_added"] > 0
