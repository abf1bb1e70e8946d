"""Streaming reads: examples through a server-side cursor, features fetched chunk by chunk.

The examples query yields keys (and as_of times); each chunk of keys goes through the
model's feature query as bound arrays, so training and scoring share one feature SQL and
memory stays flat however many rows there are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy.engine import Connection

from finrisk.db.sql import query

CHUNK_ROWS = 500


def stream_rows(conn: Connection, name: str, params: Mapping[str, Any], chunk: int = CHUNK_ROWS) -> Iterator[dict]:
    """Rows of sql/<name>.sql as dicts, fetched `chunk` at a time from a server-side cursor."""
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query(name), dict(params))
    try:
        for part in result.mappings().partitions(chunk):
            for row in part:
                yield dict(row)
    finally:
        result.close()


def chunked(rows: Iterator[dict], size: int = CHUNK_ROWS) -> Iterator[list[dict]]:
    """Lists of at most `size` rows."""
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def with_features(
    conn: Connection, examples: Iterator[dict], features_sql: str, use_as_of: bool, chunk: int = CHUNK_ROWS
) -> Iterator[tuple[dict, dict]]:
    """(example row, feature row) pairs: each chunk of examples is sent as arrays to the feature query."""
    for batch in chunked(examples, chunk):
        params: dict[str, Any] = {"keys": [row["key"] for row in batch]}
        if use_as_of:
            params["as_ofs"] = [row["as_of"] for row in batch]
        features = {row["ord"]: row for row in conn.execute(query(features_sql), params).mappings()}
        for ordinal, example in enumerate(batch, start=1):
            feature_row = features.get(ordinal)
            if feature_row is not None:
                yield example, dict(feature_row)
