"""SQLAlchemy engines for the warehouse, with one-line errors for bad or unreachable URLs."""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from finrisk.config import Settings, psycopg2_url
from finrisk.db.embedded import embedded_url
from finrisk.errors import FinriskError, mask_url, redact


def warehouse_url(settings: Settings) -> str:
    """The configured warehouse URL, or the embedded server's."""
    if settings.database_url:
        return settings.database_url
    return embedded_url(settings.data_path, "finrisk")


def describe(url: str) -> str:
    """A URL without its password, safe for logs and error messages."""
    try:
        return redact(make_url(url).render_as_string(hide_password=True))
    except Exception:
        return mask_url(url)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """A pooled engine for a PostgreSQL URL; checks the URL and that the server answers."""
    try:
        parsed = make_url(psycopg2_url(url))
    except Exception as exc:
        raise FinriskError(f"database URL {mask_url(url)!r} is not valid: {redact(str(exc))}") from None
    if parsed.get_backend_name() != "postgresql":
        raise FinriskError(f"database URL {describe(url)} is not PostgreSQL (finrisk speaks one dialect)")
    # jit off: the night runs many mid-sized queries (a feature query per chunk of keys), for which
    # PostgreSQL's JIT compiles for longer than the query runs (1.8 of 2.3 s per fraud chunk at 100k).
    options = " ".join(filter(None, (parsed.query.get("options"), "-c jit=off")))
    engine = sa.create_engine(
        parsed.difference_update_query(["options"]),
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "options": options},
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        reason = redact(str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc))
        raise FinriskError(f"warehouse {describe(url)} is unreachable: {reason}") from None
    return engine


def get_engine(settings: Settings) -> Engine:
    """The warehouse engine for these settings."""
    return engine_for(warehouse_url(settings))
