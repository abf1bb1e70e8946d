"""No password is ever shown (issue 10, defect 5): every CLI error path, with a password in each URL.

Before the fix a malformed database URL was printed whole (`database URL 'postgresql://postgres:S3cretPW@…'
is not valid`) and an unreachable MLflow server printed its URI with the password. Each case runs
the real CLI in a subprocess with a password in FINRISK_DATABASE_URL or MLFLOW_TRACKING_URI, then
greps stdout, stderr and every file under the data folder (logs included) for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

PASSWORD = "S3cretPW-r3q7"
DATE = "2026-01-05"

COMMANDS = [
    ("db", "upgrade"),
    ("db", "upgrade", "--repair"),
    ("db", "stop"),
    ("demo-data", "--customers", "5", "--days", "1"),
    ("ingest", "--date", DATE),
    ("validate", "--date", DATE),
    ("train", "credit", "--max-steps", "1"),
    ("promote", "credit"),
    ("promote", "credit", "--reconcile"),
    ("models",),
    ("score", "--date", DATE),
    ("publish", "--date", DATE),
    ("nightly", "--date", DATE, "--no-demo", "--train", "never"),
    ("--verbose", "models"),
]
NO_WAREHOUSE = {("db", "stop"), ("models",), ("--verbose", "models")}  # these succeed without a warehouse
MLFLOW_COMMANDS = [
    ("train", "credit", "--max-steps", "1"),
    ("promote", "credit"),
    ("models",),
    ("score", "--date", DATE),
    ("nightly", "--date", DATE, "--no-demo", "--train", "never"),
]

BAD_DATABASES = {
    "malformed": f"postgresql://postgres:{PASSWORD}@127.0.0.1:notaport/finrisk",
    "unreachable": f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/finrisk",
}
BAD_MLFLOW = {
    "unreachable-postgres": f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/mlflow",
    "unreachable-http": f"http://admin:{PASSWORD}@127.0.0.1:1",
    "malformed": f"postgresql://postgres:{PASSWORD}@127.0.0.1:notaport/mlflow",
    "unsupported-scheme": f"ftp://admin:{PASSWORD}@127.0.0.1/mlflow",
}


def _with_password(url: str) -> str:
    """The test server uses trust auth, so a URL with a password still connects."""
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def _run_and_grep(args, data_dir: Path, database_url: str, mlflow_uri: str | None = None):
    env = {k: v for k, v in os.environ.items() if k not in ("FINRISK_DATABASE_URL", "MLFLOW_TRACKING_URI")}
    env.update({"FINRISK_DATABASE_URL": database_url, "FINRISK_DATA_DIR": str(data_dir)})
    if mlflow_uri:
        env["MLFLOW_TRACKING_URI"] = mlflow_uri
    done = subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )
    shown = done.stdout + done.stderr
    assert PASSWORD not in shown, f"{args}: password shown:\n{shown}"
    for path in data_dir.rglob("*"):
        if path.is_file() and "pg" not in path.relative_to(data_dir).parts[:1]:
            assert PASSWORD.encode() not in path.read_bytes(), f"{args}: password written to {path}"
    return done


@pytest.mark.parametrize("kind", sorted(BAD_DATABASES))
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_bad_database_url_never_shows_the_password(args, kind, tmp_path, mlflow_url):
    done = _run_and_grep(args, tmp_path / "data", BAD_DATABASES[kind], mlflow_url)
    if args not in NO_WAREHOUSE:
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        assert "***" in done.stderr or kind == "unreachable" and "unreachable" in done.stderr


def test_unparseable_database_url_is_masked(tmp_path):
    done = _run_and_grep(("db", "upgrade"), tmp_path / "data", f"postgres ql://postgres:{PASSWORD}@host/db")
    assert done.returncode == 1 and "not valid" in done.stderr and "postgres:***@host" in done.stderr


@pytest.mark.parametrize("kind", sorted(BAD_MLFLOW))
@pytest.mark.parametrize("args", MLFLOW_COMMANDS, ids=" ".join)
def test_bad_mlflow_uri_never_shows_the_password(args, kind, tmp_path, db_url):
    done = _run_and_grep(args, tmp_path / "data", _with_password(db_url), BAD_MLFLOW[kind])
    assert done.returncode == 1, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr


def test_redact_masks_urls_dsns_and_configured_secrets(monkeypatch):
    from finrisk.errors import redact

    monkeypatch.setenv("FINRISK_DATABASE_URL", f"postgresql://u:{PASSWORD}@h/db")
    assert redact(f"x 'postgresql://u:{PASSWORD}@h:5/db' y") == "x 'postgresql://u:***@h:5/db' y"
    assert redact("http://a:p@ss@host:1/x") == "http://a:***@host:1/x"
    assert redact("host=h password=abc dbname=d") == "host=h password=*** dbname=d"
    assert redact(f"driver said: {PASSWORD} was rejected") == "driver said: *** was rejected"
    assert redact("http://host:5000/api and postgresql://h/db") == "http://host:5000/api and postgresql://h/db"


def test_log_records_are_redacted_for_every_handler(caplog):
    import logging

    from finrisk.cli import _redacting_records

    _redacting_records()
    log = logging.getLogger("finrisk.test_secrets")
    with caplog.at_level(logging.INFO):
        log.info("connecting to %s", f"postgresql://u:{PASSWORD}@h/db")
        try:
            raise RuntimeError(f"driver echoed http://a:{PASSWORD}@h:1")
        except RuntimeError:
            log.exception("failed")
    assert PASSWORD not in caplog.text and "u:***@h/db" in caplog.text and "a:***@h:1" in caplog.text
