"""Expected CLI errors are one line, a non-zero exit, and no traceback."""

import os
import subprocess
import sys


def _run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
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
    import pytest

    from finrisk.commands.dates import parse_date
    from finrisk.errors import FinriskError

    with pytest.raises(FinriskError, match="'2026-13-45' is not a valid YYYY-MM-DD date"):
        parse_date("2026-13-45")


def test_missing_tables_ask_for_db_upgrade(empty_db_url):
    for args in (
        ("ingest", "--date", "2026-01-01"),
        ("validate", "--date", "2026-01-01"),
        ("score", "--date", "2026-01-01"),
    ):
        result = _run(*args, env={"FINRISK_DATABASE_URL": empty_db_url})
        assert result.returncode == 1, args
        assert "Traceback" not in result.stderr, args
        assert "run `finrisk db upgrade` first" in result.stderr, args
        assert len(result.stderr.strip().splitlines()[-1]) < 300
