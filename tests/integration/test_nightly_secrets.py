"""A successful `finrisk nightly` shows no password (issue 20, defect 4).

Before the fix the night ended with `mlflow ui --backend-store-uri '...postgres:PASSWORD@...'`.
The real CLI runs a whole night in a subprocess (demo data, tiny models, scoring) with a
password in MLFLOW_TRACKING_URI and in FINRISK_DATABASE_URL; the test server's trust auth
accepts any password, so the night succeeds. stdout, stderr and every file under the data
folder are searched for it.
"""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy.engine import make_url

PASSWORD = "N1ghtlyPW-x8k2"


def _with_password(url: str) -> str:
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def test_successful_nightly_never_shows_the_mlflow_password(db_url, mlflow_url, tmp_path):
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINRISK_", "MLFLOW_"))}
    env.update(
        {
            "FINRISK_DATABASE_URL": _with_password(db_url),
            # the bare scheme, as a user writes it: finrisk picks the psycopg2 driver itself
            "MLFLOW_TRACKING_URI": _with_password(mlflow_url).replace("postgresql+psycopg2://", "postgresql://", 1),
            "FINRISK_DATA_DIR": str(data),
            # tiny random encoders and open gate floors: this test is about what is printed, not model quality
            "FINRISK_BASE_MODEL": "tiny-random",
            "FINRISK_TRAIN__MAX_STEPS": "2",
            "FINRISK_TRAIN__EPOCHS": "1",
            "FINRISK_TRAIN__MAX_LENGTH": "48",
            "FINRISK_GATE__MIN_AUC": "0",
            "FINRISK_GATE__MIN_MACRO_F1": "0",
            "FINRISK_GATE__MAX_CALIBRATION_ERROR": "1",
            "FINRISK_GATE__REQUIRE_BEATS_BASELINE": "false",
            # nobody approves a tiny model here: four eyes and the fairness hold are test_approval's subject
            "FINRISK_APPROVAL__REQUIRED": "false",
            "FINRISK_FAIRNESS__GATE_REFUSE": "false",
        }
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "finrisk.cli",
            "nightly",
            "--date",
            "2026-03-31",
            "--demo-customers",
            "300",
            "--demo-days",
            "30",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    shown = done.stdout + done.stderr
    assert done.returncode == 0, shown[-3000:]
    assert "nightly run for 2026-03-31 finished" in done.stdout
    assert PASSWORD not in shown, [line for line in shown.splitlines() if PASSWORD in line]
    hint = next(line for line in done.stdout.splitlines() if "mlflow ui --backend-store-uri" in line)
    assert "postgres:***@127.0.0.1" in hint, hint
    for path in data.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), f"password written to {path}"
