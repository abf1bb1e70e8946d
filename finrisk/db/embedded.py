"""The embedded PostgreSQL that finrisk starts when no warehouse URL is configured.

`pgserver` ships PostgreSQL 16 in a wheel. The server lives under the data folder,
listens on a unix socket only, and is left running between commands so that the CLI,
MLflow and Airflow share it (the CLI says so on its last line; `finrisk db stop` stops it).
It holds separate databases for the warehouse, MLflow and Airflow, because their Alembic
version tables would clash in one.
"""

from __future__ import annotations

import atexit
import logging
import os
from functools import lru_cache
from pathlib import Path

from finrisk.config import psycopg2_url
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)

DATABASES = ("finrisk", "mlflow", "airflow")

# data folders whose embedded server this process used (the CLI reports them at the end)
_USED: set[Path] = set()


def used() -> list[Path]:
    """The data folders whose embedded server this process started or reused."""
    return sorted(_USED)


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
    _USED.add(data_dir)
    log.info("embedded PostgreSQL ready under %s", data_dir / "pg")
    return psycopg2_url(uri)


def server_pid(data_dir: Path) -> int | None:
    """The postmaster PID of the embedded server under `data_dir`, or None when it is not running."""
    from pgserver.utils import PostmasterInfo

    pgdata = data_dir / "pg"
    if not (pgdata / "postmaster.pid").exists():
        return None
    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info.pid if info is not None and info.is_running() else None


def stop(data_dir: Path, timeout: float = 30) -> bool:
    """Stop the embedded server under `data_dir` (fast shutdown); False when none was running."""
    import psutil

    pid = server_pid(data_dir)
    if pid is None:
        return False
    from pgserver import _commands
    from pgserver.postgres_server import PostgresServer

    pgdata = (data_dir / "pg").resolve()
    user = "pgserver" if os.name == "posix" and os.geteuid() == 0 else None
    try:
        _commands.pg_ctl(
            ["-w", "-m", "fast", "-t", str(int(timeout)), "stop"], pgdata=pgdata, user=user, timeout=timeout + 5
        )
    except Exception:  # pg_ctl failed: end the postmaster ourselves
        try:
            process = psutil.Process(pid)
            process.terminate()
            process.wait(timeout)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired as exc:
            raise FinriskError(f"embedded PostgreSQL under {pgdata} (pid {pid}) did not stop") from exc
    # forget this process's handle, so a later call starts the server again
    handle = PostgresServer._instances.pop(pgdata, None)
    if handle is not None:
        atexit.unregister(handle._cleanup)
        handle.global_process_id_list.get_and_remove(os.getpid())
    embedded_url.cache_clear()
    _USED.discard(data_dir)
    log.info("embedded PostgreSQL under %s stopped", pgdata)
    return True
