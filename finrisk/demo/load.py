"""Replace the six source tables' contents in one transaction: truncate, then COPY each frame.

If anything fails half way, the transaction rolls back and the previous contents stay.
The SQL is in sql/demo/; table names are fixed there, never user input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import pandas as pd
from sqlalchemy.engine import Engine

from finrisk.db.copy import copy_frame
from finrisk.db.sql import query
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)

SOURCE_TABLES = (
    "source.customers",
    "source.credit_outcomes",
    "source.transactions",
    "source.fraud_labels",
    "source.news_articles",
    "source.news_labels",
)


def replace_source(
    engine: Engine, frames: Mapping[str, pd.DataFrame], on_table: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Truncate every source table and load the given frames; returns rows loaded per table."""
    unknown = set(frames) - set(SOURCE_TABLES)
    if unknown:
        raise FinriskError(f"demo data cannot load {sorted(unknown)}: not a source table")
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        missing = conn.execute(query("demo/missing_source_tables"), {"tables": list(SOURCE_TABLES)}).scalars().all()
        if missing:
            raise FinriskError(f"source table {missing[0]} does not exist; run `finrisk db upgrade` first")
        conn.execute(query("demo/truncate_source"))
        dbapi = conn.connection.dbapi_connection
        for table in SOURCE_TABLES:
            frame = frames.get(table)
            counts[table] = copy_frame(dbapi, table, frame) if frame is not None else 0
            log.info("loaded %d rows into %s", counts[table], table)
            if on_table:
                on_table(table)
    return counts
