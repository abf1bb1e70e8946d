"""COPY keeps every string byte for byte and NULL distinct from the empty string."""

import sqlalchemy as sa

from finrisk.db.copy import copy_rows

WEIRD = [
    "",
    "\\N",
    'say "hi", then, leave',
    "line one\nline two\r\nline three",
    "'; drop table source.customers; --",
    "tab\there \x07 bell \x1b escape",
    "Кириллица العربية 中文 🙂",
    "x" * 1_000_000,
]


def test_copy_rows_round_trips_text_and_nulls(engine):
    with engine.begin() as conn:
        conn.exec_driver_sql("create table ops.copy_probe (id int, body text, extra jsonb)")
    rows = [(i, text, {"k": text[:20]}) for i, text in enumerate(WEIRD)] + [(len(WEIRD), None, None)]
    raw = engine.raw_connection()
    try:
        assert copy_rows(raw, "ops.copy_probe", ["id", "body", "extra"], rows, chunk_rows=3) == len(rows)
        raw.commit()
    finally:
        raw.close()
    with engine.connect() as conn:
        got = dict(conn.execute(sa.text("select id, body from ops.copy_probe")).all())
        extra = conn.execute(sa.text("select extra from ops.copy_probe where id = 4")).scalar()
    assert [got[i] for i in range(len(WEIRD))] == WEIRD
    assert got[len(WEIRD)] is None
    assert extra == {"k": WEIRD[4][:20]}
