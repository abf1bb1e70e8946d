"""The embedded default: with no URL configured finrisk starts its own PostgreSQL, and it is stopped.

Servers left behind (issue 10, defect 11): a test that starts the embedded server stops it in a
fixture finalizer, also when it fails; the CLI says on its last line that the server is still
up and how to stop it; `finrisk db stop` stops it.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import sqlalchemy as sa
from pgtools import leftover_servers

from finrisk.config import Settings
from finrisk.db.embedded import DATABASES, server_pid
from finrisk.db.engine import get_engine
from finrisk.db.migrate import upgrade


def _cli(*args, data_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("FINRISK_DATABASE_URL", "MLFLOW_TRACKING_URI")}
    env["FINRISK_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *args], capture_output=True, text=True, env=env, timeout=180
    )


def test_embedded_server_starts_and_migrates(embedded_data_dir):
    settings = Settings(database_url=None, data_dir=embedded_data_dir)
    engine = get_engine(settings)
    assert upgrade(engine)
    assert upgrade(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("select current_database()")).scalar() == "finrisk"
        names = set(conn.execute(sa.text("select datname from pg_database")).scalars())
        assert conn.execute(sa.text("show server_version")).scalar().startswith("16")
    assert set(DATABASES) <= names
    engine.dispose()
    assert server_pid(embedded_data_dir) is not None  # stopped by the fixture's finalizer


def test_cli_says_the_server_is_up_and_db_stop_stops_it(embedded_data_dir):
    started = _cli("db", "upgrade", data_dir=embedded_data_dir)
    assert started.returncode == 0, started.stderr
    last = started.stderr.strip().splitlines()[-1]
    assert "still running" in last and "finrisk db stop" in last and str(embedded_data_dir / "pg") in last, (
        started.stderr
    )
    pid = server_pid(embedded_data_dir)
    assert pid is not None, started.stderr

    stopped = _cli("db", "stop", data_dir=embedded_data_dir)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped" in stopped.stdout and "still running" not in stopped.stderr, stopped.stdout + stopped.stderr
    assert server_pid(embedded_data_dir) is None, stopped.stdout + stopped.stderr
    import psutil

    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert "no embedded PostgreSQL is running" in _cli("db", "stop", data_dir=embedded_data_dir).stdout


def _inner_session(tmp_path, test_source: str):
    """Run `test_source` as its own pytest session with the project's fixtures; returns (result, basetemp)."""
    inner = tmp_path / "inner"
    inner.mkdir()
    tests_dir = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    project_conftest = os.path.join(tests_dir, "conftest.py")
    (inner / "conftest.py").write_text(
        textwrap.dedent(f"""
        import importlib.util
        import sys
        sys.path.insert(0, {tests_dir!r})  # the project conftest imports its helpers (pgtools) from tests/
        spec = importlib.util.spec_from_file_location("project_conftest", {project_conftest!r})
        project = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(project)
        embedded_data_dir, pytest_sessionfinish = project.embedded_data_dir, project.pytest_sessionfinish
    """)
    )
    (inner / "test_inner.py").write_text(textwrap.dedent(test_source))
    # a short folder: a unix socket path must stay under 108 characters
    basetemp = Path(tempfile.mkdtemp(prefix="fr-", dir="/tmp")) / "t"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={basetemp}",
            "--rootdir",
            str(inner),
            str(inner / "test_inner.py"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=inner,
    )
    return done, basetemp


def _clean(basetemp: Path) -> None:
    for proc in leftover_servers(basetemp):  # only when an assertion failed
        proc.terminate()
    shutil.rmtree(basetemp.parent, ignore_errors=True)


def test_a_failing_test_leaves_no_server(tmp_path):
    """A test that starts the embedded server through the fixture and then fails: nothing is left running."""
    done, basetemp = _inner_session(
        tmp_path,
        """
        from finrisk.config import Settings
        from finrisk.db.engine import get_engine

        def test_starts_the_server_then_fails(embedded_data_dir):
            get_engine(Settings(database_url=None, data_dir=embedded_data_dir))
            assert False, "failing on purpose with the server up"
    """,
    )
    try:
        assert done.returncode == 1 and "failing on purpose" in done.stdout, done.stdout + done.stderr
        assert "left PostgreSQL server(s) running" not in done.stdout
        assert leftover_servers(basetemp) == []
    finally:
        _clean(basetemp)


def test_a_leaking_test_fails_the_session(tmp_path):
    """A test that starts a server outside the fixture passes, but the session fails and the server is stopped."""
    done, basetemp = _inner_session(
        tmp_path,
        """
        from finrisk.config import Settings
        from finrisk.db.engine import get_engine

        def test_leaks_a_server(tmp_path):
            get_engine(Settings(database_url=None, data_dir=tmp_path / "data"))
    """,
    )
    try:
        assert "1 passed" in done.stdout, done.stdout + done.stderr
        assert done.returncode == 1 and "left PostgreSQL server(s) running (now stopped)" in done.stdout
        assert leftover_servers(basetemp) == []
    finally:
        _clean(basetemp)
