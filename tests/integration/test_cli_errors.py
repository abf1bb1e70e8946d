"""Expected CLI errors are one line, a non-zero exit, and no traceback."""

import os
import subprocess
import sys


def _run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120,
    )


def test_unreachable_database_is_one_line():
    result = _run("db", "upgrade", env={"FINRISK_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unreachable" in result.stderr and "127.0.0.1" in result.stderr


def test_bad_url_is_one_line():
    result = _run("db", "upgrade", env={"FINRISK_DATABASE_URL": "not a url"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "not valid" in result.stderr


def test_non_postgres_url_is_refused():
    result = _run("db", "upgrade", env={"FINRISK_DATABASE_URL": "sqlite:///x.db"})
    assert result.returncode == 1
    assert "not PostgreSQL" in result.stderr


def test_usage_error_is_short_and_has_no_traceback():
    result = _run("db", "upgrade", "extra-argument")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "unexpected extra argument" in result.stderr.lower()


def test_bad_date_is_one_line():
    from finrisk.cli import parse_date
    from finrisk.errors import FinriskError
    import pytest

    with pytest.raises(FinriskError, match="'2026-13-45' is not a valid YYYY-MM-DD date"):
        parse_date("2026-13-45")
