"""Bulk writes with COPY: rows stream through a CSV buffer, never row-by-row inserts."""

from __future__ import annotations

import csv
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


def _null_marker(frame) -> str:
    """A NULL marker no string value in the frame equals (normally \\N)."""
    marker = "\\N"
    texts = [frame[c] for c in frame.columns if frame[c].dtype == object or str(frame[c].dtype) in ("str", "string")]
    suffix = 0
    while any(bool((col == marker).any()) for col in texts):
        suffix += 1
        marker = f"\\N{suffix}"
    return marker


def _jsonable(frame):
    """The frame with dict and list cells written as JSON text (for jsonb columns)."""
    out = frame
    for name in frame.columns:
        col = frame[name]
        if col.dtype != object:
            continue
        sample = col.dropna()
        if len(sample) and isinstance(sample.iloc[0], (dict, list)):
            if out is frame:
                out = frame.copy()
            out[name] = col.map(lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
    return out


def copy_frame(dbapi_conn, table: str, frame, chunk_rows: int = 250_000) -> int:
    """COPY a pandas DataFrame into schema.table (its column names) on a DB-API connection; returns the count.

    Fast path for large generated frames: pandas writes CSV chunks into a buffer and
    psycopg2's copy_expert streams them. None/NaN become NULL through a marker that no
    value in the frame equals, so empty strings stay empty strings, not NULL. Dicts and
    lists become JSON text; booleans are written True/False. Lines end in CRLF so that the
    csv module quotes any value holding a CR or LF. Pre-format timestamps as ISO text for
    speed. The caller owns the transaction.
    """
    frame = _jsonable(frame)
    marker = _null_marker(frame)
    schema, name = table.split(".", 1)
    statement = psql.SQL("copy {}.{} ({}) from stdin with (format csv, null {})").format(
        psql.Identifier(schema),
        psql.Identifier(name),
        psql.SQL(", ").join(map(psql.Identifier, map(str, frame.columns))),
        psql.Literal(marker),
    )
    total = 0
    with dbapi_conn.cursor() as cur:
        stmt = statement.as_string(cur)
        for start in range(0, len(frame), chunk_rows):
            part = frame.iloc[start : start + chunk_rows]
            buffer = io.StringIO()
            part.to_csv(
                buffer, index=False, header=False, na_rep=marker, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
            )
            buffer.seek(0)
            cur.copy_expert(stmt, buffer)
            total += len(part)
    return total
