"""SQL lives in .sql files under sql/, loaded by name, always with bound parameters."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa

from finrisk.config import SQL_DIR
from finrisk.errors import FinriskError


def load(name: str) -> str:
    """The text of sql/<name>.sql, e.g. load("ingest/customers")."""
    return load_path(SQL_DIR / f"{name}.sql")


@cache
def load_path(path: Path) -> str:
    """The text of a .sql file anywhere (a model's own SQL folder), or a one-line error."""
    if not path.is_file():
        raise FinriskError(f"SQL file {path} does not exist")
    return path.read_text()


def query(name: str) -> sa.TextClause:
    """sql/<name>.sql as a SQLAlchemy text clause, ready for bound parameters."""
    return sa.text(load(name))
