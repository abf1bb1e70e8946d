"""Shared fixtures: a real PostgreSQL per test session, a fresh migrated database per test.

The server is FINRISK_TEST_DATABASE_URL (default: postgres on 127.0.0.1:5432, trust auth).
The session builds one migrated template database; each test that asks for `db_url`
gets its own copy (CREATE DATABASE ... TEMPLATE, fast) and it is dropped afterwards.

Tests stop every server they start: an embedded PostgreSQL is started only under a
fixture's folder (`embedded_data_dir`, or the session's private data folder) whose
finalizer stops it, also when the test fails. At the end of the session any postgres
process still running from the session's temporary folders is stopped and the session
fails (`pytest_sessionfinish`), so a leak cannot go unnoticed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from pgtools import ADMIN_URL, _admin_engine, _drop, _url_for, leftover_servers  # noqa: E402,F401

from finrisk.config import Settings

# Four-eyes approval (issue 23) is on by default; tests of other things let the gate promote, as before.
# Settings built in tests, CLI subprocesses and Airflow harnesses inherit this; the approval tests turn it on.
os.environ.setdefault("FINRISK_APPROVAL__REQUIRED", "false")


@pytest.fixture(scope="session", autouse=True)
def private_data_dir(tmp_path_factory) -> Iterator[None]:
    """No test touches ./data: settings read from the environment (and CLI subprocesses) get a
    private data folder, and an embedded server started there is stopped at the end."""
    from finrisk.config import get_settings

    data = tmp_path_factory.mktemp("finrisk-data")
    previous = os.environ.get("FINRISK_DATA_DIR")
    os.environ["FINRISK_DATA_DIR"] = str(data)
    get_settings.cache_clear()
    try:
        yield
    finally:
        from finrisk.db.embedded import stop

        stop(data)
    if previous is None:
        os.environ.pop("FINRISK_DATA_DIR", None)
    else:
        os.environ["FINRISK_DATA_DIR"] = previous
    get_settings.cache_clear()


@pytest.fixture()
def embedded_data_dir(tmp_path) -> Iterator:
    """A data folder for a test that starts the embedded server; the server is stopped afterwards, pass or fail."""
    from finrisk.db.embedded import stop

    data = tmp_path / "data"
    data.mkdir()
    try:
        yield data
    finally:
        stop(data)


def pytest_sessionfinish(session, exitstatus) -> None:
    """Fail the session if a test left a PostgreSQL server running from its temporary folders (and stop it)."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or getattr(factory, "_basetemp", None) is None:
        return
    leaked = leftover_servers(factory.getbasetemp())
    if not leaked:
        return
    from pathlib import Path

    from finrisk.db.embedded import stop

    lines = []
    for proc in leaked:
        cmdline = proc.info["cmdline"]
        pgdata = Path(cmdline[cmdline.index("-D") + 1]) if "-D" in cmdline else None
        lines.append(f"pid {proc.pid}: {' '.join(cmdline)}")
        if pgdata is not None and pgdata.name == "pg":
            stop(pgdata.parent)
        elif proc.is_running():
            proc.terminate()
    session.config.get_terminal_writer().line(
        "a test left PostgreSQL server(s) running (now stopped): " + "; ".join(lines), red=True
    )
    session.exitstatus = 1


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    """An AUTOCOMMIT engine on the test server's maintenance database."""
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("select 1")
    except sa.exc.OperationalError as exc:
        pytest.fail(f"test PostgreSQL at {ADMIN_URL} is unreachable: {exc.orig}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def template_db(pg_admin: sa.Engine) -> Iterator[str]:
    """A migrated database used as the template for every test database."""
    from finrisk.db.migrate import upgrade

    name = f"finrisk_tmpl_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}"')
    engine = sa.create_engine(_url_for(name))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    yield name
    _drop(pg_admin, name)


@pytest.fixture()
def db_url(pg_admin: sa.Engine, template_db: str) -> Iterator[str]:
    """A fresh, fully migrated warehouse database of this test's own."""
    from finrisk.db.engine import engine_for

    name = f"finrisk_test_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}" template "{template_db}"')
    url = _url_for(name)
    yield url
    engine_for.cache_clear()
    _drop(pg_admin, name)


@pytest.fixture()
def empty_db_url(pg_admin: sa.Engine) -> Iterator[str]:
    """A fresh database with no migrations applied."""
    name = f"finrisk_empty_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}"')
    yield _url_for(name)
    from finrisk.db.engine import engine_for

    engine_for.cache_clear()
    _drop(pg_admin, name)


@pytest.fixture(scope="session")
def mlflow_template(pg_admin: sa.Engine, tmp_path_factory) -> Iterator[str]:
    """A database with MLflow's tables created once; each test copies it."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    name = f"finrisk_mlflow_tmpl_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}"')
    store = SqlAlchemyStore(_url_for(name), str(tmp_path_factory.mktemp("mlflow-template")))
    store.engine.dispose()
    yield name
    _drop(pg_admin, name)


@pytest.fixture()
def mlflow_url(pg_admin: sa.Engine, mlflow_template: str) -> Iterator[str]:
    """An MLflow backend store on PostgreSQL of this test's own (not the warehouse database)."""
    name = f"finrisk_mlflow_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}" template "{mlflow_template}"')
    yield _url_for(name)
    _drop(pg_admin, name)


@pytest.fixture()
def settings(db_url: str, mlflow_url: str, tmp_path) -> Settings:
    """Settings pointing at this test's warehouse and MLflow databases, with a private data folder.

    MLflow URIs must name the psycopg2 driver: SQLAlchemy 2.1 maps bare postgresql:// to psycopg 3.
    """
    return Settings(database_url=db_url, data_dir=tmp_path / "data", mlflow_tracking_uri=mlflow_url)


@pytest.fixture()
def engine(settings: Settings) -> sa.Engine:
    """The warehouse engine for this test's database."""
    from finrisk.db.engine import get_engine

    return get_engine(settings)
