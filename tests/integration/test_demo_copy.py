"""copy_frame keeps NULL and empty strings apart and writes any text byte for byte."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import sqlalchemy as sa

from finrisk.db.copy import copy_frame
from finrisk.db.engine import engine_for

TRICKY = [
    "plain",
    "",
    None,
    'quote " and, comma',
    "line\nbreak",
    "carriage\rreturn",
    "crlf\r\n",
    "\\N",
    "\\.",
    " padded ",
    "naïve café ✓",
    "\\N1",
]


def test_copy_frame_round_trip(db_url):
    engine = engine_for(db_url)
    frame = pd.DataFrame(
        {
            "k": np.arange(len(TRICKY)),
            "s": np.array(TRICKY, dtype=object),
            "x": [1.5, None, 3.25, 0.01, 1e6, math.nan, 2, 3, 4, 5, 6, 7],
            "b": [True, False, None, True, False, True, False, True, False, True, False, True],
            "j": [{"a": 1, "s": "x,y"}, [], {}, None, {"q": 'say "hi"'}, [1, 2], {}, {}, {}, {}, {}, {}],
            "at": ["2026-01-01T10:00:00Z"] * 11 + [None],
        }
    )
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "create table public.copy_probe (k int, s text, x numeric, b boolean, j jsonb, at timestamptz)"
        )
        assert copy_frame(conn.connection.dbapi_connection, "public.copy_probe", frame, chunk_rows=5) == len(frame)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select s, x, b, j, at from public.copy_probe order by k")).all()
    assert [r.s for r in rows] == TRICKY
    assert rows[1].x is None and rows[5].x is None and float(rows[0].x) == 1.5 and float(rows[4].x) == 1e6
    assert [r.b for r in rows[:3]] == [True, False, None]
    assert (
        rows[0].j == {"a": 1, "s": "x,y"} and rows[1].j == [] and rows[3].j is None and rows[4].j == {"q": 'say "hi"'}
    )
    assert rows[0].at is not None and rows[-1].at is None


def test_copy_frame_empty_frame(db_url):
    engine = engine_for(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("create table public.copy_empty (s text)")
        frame = pd.DataFrame({"s": pd.Series([], dtype=object)})
        assert copy_frame(conn.connection.dbapi_connection, "public.copy_empty", frame) == 0
