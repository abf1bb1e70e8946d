"""Bulk writes with COPY: rows stream through a CSV buffer, never row-by-row inserts."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from psycopg2 import sql as psql


def _field(value: Any) -> str:
    """One CSV field: NULL is an unquoted empty field; every value is quoted, so '' and '\\N' survive."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (datetime, date)):
        text = value.isoformat()
    else:
        text = str(value)
    return '"' + text.replace('"', '""') + '"'


def copy_rows(
    dbapi_conn,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    chunk_rows: int = 50_000,
) -> int:
    """COPY rows into schema.table(columns) on a DB-API (psycopg2) connection; returns the count.

    None becomes NULL, dicts and lists become JSON text, strings are kept byte for byte.
    The caller owns the transaction.
    """
    schema, name = table.split(".", 1)
    statement = psql.SQL("copy {}.{} ({}) from stdin with (format csv)").format(
        psql.Identifier(schema), psql.Identifier(name), psql.SQL(", ").join(map(psql.Identifier, columns))
    )
    total = 0
    with dbapi_conn.cursor() as cur:
        stmt = statement.as_string(cur)
        lines: list[str] = []
        for row in rows:
            lines.append(",".join(_field(v) for v in row))
            if len(lines) >= chunk_rows:
                cur.copy_expert(stmt, io.StringIO("\n".join(lines) + "\n"))
                total += len(lines)
                lines = []
        if lines:
            cur.copy_expert(stmt, io.StringIO("\n".join(lines) + "\n"))
            total += len(lines)
    return total
