"""The embedded PostgreSQL that finrisk starts when no warehouse URL is configured.

`pgserver` ships PostgreSQL 16 in a wheel. The server lives under the data folder,
listens on a unix socket only, and is left running between commands so that the CLI,
MLflow and Airflow share it. It holds separate databases for the warehouse, MLflow and
Airflow, because their Alembic version tables would clash in one.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

from finrisk.errors import FinriskError

log = logging.getLogger(__name__)

DATABASES = ("finrisk", "mlflow", "airflow")


@lru_cache(maxsize=4)
def embedded_url(data_dir: Path, database: str = "finrisk") -> str:
    """Start (or reuse) the embedded server and return a URL for one of its databases."""
    runtime = data_dir / "run"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    try:
        import pgserver

        server = pgserver.get_server(data_dir / "pg", cleanup_mode=None)
        existing = server.psql("select datname from pg_database;")
        for name in DATABASES:
            if f" {name}\n" not in existing:
                server.psql(f"create database {name};")
        uri = server.get_uri(database)
    except Exception as exc:  # pgserver raises plain exceptions for every start failure
        raise FinriskError(f"embedded PostgreSQL under {data_dir / 'pg'} did not start: {exc}") from exc
    log.info("embedded PostgreSQL ready under %s", data_dir / "pg")
    return uri.replace("postgresql://", "postgresql+psycopg2://", 1)
