"""Replace the six source tables' contents in one transaction: truncate, then COPY each frame.

If anything fails half way, the transaction rolls back and the previous contents stay.
Table names are fixed here (never user input) and quoted as identifiers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import pandas as pd
import sqlalchemy as sa
from psycopg2 import sql as psql
from sqlalchemy.engine import Engine

from finrisk.db.copy import copy_frame
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)

SOURCE_TABLES = (
    "source.customers", "source.credit_outcomes", "source.transactions",
    "source.fraud_labels", "source.news_articles", "source.news_labels",
)


def _identifier(table: str) -> psql.Composable:
    schema, name = table.split(".", 1)
    return psql.SQL("{}.{}").format(psql.Identifier(schema), psql.Identifier(name))


def replace_source(engine: Engine, frames: Mapping[str, pd.DataFrame],
                   on_table: Callable[[str], None] | None = None) -> dict[str, int]:
    """Truncate every source table and load the given frames; returns rows loaded per table."""
    unknown = set(frames) - set(SOURCE_TABLES)
    if unknown:
        raise FinriskError(f"demo data cannot load {sorted(unknown)}: not a source table")
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        missing = [t for t in SOURCE_TABLES if conn.execute(sa.text("select to_regclass(:t)"), {"t": t}).scalar() is None]
        if missing:
            raise FinriskError(f"source table {missing[0]} does not exist; run `finrisk db upgrade` first")
        dbapi = conn.connection.dbapi_connection
        with dbapi.cursor() as cur:
            cur.execute(psql.SQL("truncate {}").format(psql.SQL(", ").join(_identifier(t) for t in SOURCE_TABLES)))
        for table in SOURCE_TABLES:
            frame = frames.get(table)
            counts[table] = copy_frame(dbapi, table, frame) if frame is not None else 0
            log.info("loaded %d rows into %s", counts[table], table)
            if on_table:
                on_table(table)
    return counts
