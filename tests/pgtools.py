"""PostgreSQL helpers the fixtures and tests share (a module of its own: several folders have a
conftest.py, so `from pgtools import ...` would be ambiguous)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("FINRISK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def leftover_servers(root) -> list:
    """Postmaster processes whose data folder lies under `root` (a test session's temporary folders)."""
    import psutil

    root = str(root)
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if proc.info.get("name") == "postgres" and any(arg.startswith(root) for arg in cmdline):
            found.append(proc)
    return found


def _admin_engine() -> sa.Engine:
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


def _url_for(database: str) -> str:
    url = make_url(ADMIN_URL).set(database=database)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def _drop(admin: sa.Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')
