"""Every command has the quick start's console: its own lines, a bar, the result; library output in the log.

Runs the real `finrisk` entry point in a subprocess, as a user does, on a tiny warehouse (150 customers,
a tiny random BERT): the console holds no warning text, no transformers LOAD REPORT, no library progress
bar and no timestamped log line; all of that is in `<data>/logs/train.log`. Usage errors are one line
with exit code 2, and the help shows no `<bool>`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from staging_rows import build_dataset

TIMESTAMPED = re.compile(r"^\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}:\d{2}", re.MULTILINE)
CHATTER = (
    "Warning",
    "warnings.warn",
    "LOAD REPORT",
    "Downloading artifacts",
    "Uploading artifacts",
    "Writing model shards",
    "Loading weights",
    "INFO",
    "embedded PostgreSQL ready",
    "Traceback",
)


def _finrisk(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the CLI; its output decoded as bytes arrive (text=True would turn a bar's \\r redraws into lines)."""
    done = subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *args],
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=900,
    )
    done.stdout, done.stderr = done.stdout.decode(), done.stderr.decode()
    return done


def _lines(text: str) -> list[str]:
    """What a terminal shows at the end: each \\r-redrawn bar counts as its last state; blank lines dropped."""
    shown = [line.split("\r")[-1] for line in text.split("\n")]
    return [line for line in shown if line.strip()]


@pytest.fixture()
def dataset(engine):
    with engine.begin() as conn:
        return build_dataset(conn, n_customers=150)


def test_train_prints_one_line_per_step_a_bar_and_the_table(settings, dataset):
    env = {
        "FINRISK_DATABASE_URL": settings.database_url,
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "FINRISK_DATA_DIR": str(settings.data_dir),
        "FINRISK_TRAIN__LEARNING_RATE": "0.001",
    }
    done = _finrisk(
        "train", "credit", "--max-steps", "10", "--base-model", "tiny-random", "--max-length", "96", env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    console = done.stdout + done.stderr
    for chatter in CHATTER:
        assert chatter not in console, (chatter, console[-3000:])
    assert not TIMESTAMPED.search(console), console[-3000:]
    out = _lines(done.stdout)
    assert out[0].startswith("finrisk-credit version 1 (run ") and out[1].split() == [
        "metric",
        "model",
        "baseline",
        "champion",
    ]
    assert out[-1].startswith("gate: ") and len(out) <= 12, out  # the result: a header, the table, the gate
    err = _lines(done.stderr)
    assert err[0].startswith("training finrisk-credit: ") and len(err) <= 2, err  # the step, and the bar
    log = (settings.data_dir / "logs" / "train.log").read_text()
    assert "finrisk train credit" in log and "train_work" in log and TIMESTAMPED.search(log)


def test_usage_errors_are_one_line_with_exit_code_2_and_the_help_has_no_bool():
    for args in (("train",), ("db", "upgrade", "extra-argument"), ("score", "--no-such-option")):
        done = _finrisk(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, (args, done.stderr)
        assert done.stderr.startswith("finrisk: error: ") and "--help" in done.stderr, (args, done.stderr)
    for args in (("--help",), ("train", "--help"), ("db", "--help")):
        shown = _finrisk(*args)
        assert shown.returncode == 0 and "Usage: finrisk" in shown.stdout and "<bool>" not in shown.stdout, args
