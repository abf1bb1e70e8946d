"""Writes back-test results to `risk.*`: one back-test (model row and bands), migrations, fraud, estimates, cards.

Every write replaces what an earlier run with the same key wrote, in the caller's transaction.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from datetime import UTC, date, datetime

from sqlalchemy.engine import Connection

from finrisk.backtest.compare import Comparison
from finrisk.db.sql import query


def _clean(value):
    """NaN (no test possible) is stored as NULL."""
    return None if isinstance(value, float) and value != value else value


def save_backtest(
    conn: Connection,
    key: dict,
    comparison: Comparison,
    in_sample: int = 0,
    settings: dict | None = None,
) -> str:
    """Replace the back-test of `key` (model, model_version, source, period_start, period_end, as_of_date)."""
    conn.execute(query("backtest/delete_run"), key)
    backtest_id = uuid.uuid4().hex
    row = {k: _clean(v) for k, v in comparison.as_row().items()}
    conn.execute(
        query("backtest/insert_run"),
        {
            **key,
            **row,
            "backtest_id": backtest_id,
            "in_sample_observations": in_sample,
            "settings": json.dumps(settings or {}),
            "computed_at": datetime.now(UTC),
        },
    )
    if comparison.bands:
        conn.execute(
            query("backtest/insert_band"),
            [{k: _clean(v) for k, v in asdict(c).items()} | {"backtest_id": backtest_id} for c in comparison.bands],
        )
    return backtest_id


def save_migration(conn: Connection, from_date: date, to_date: date, counts: dict[tuple[str, str], int]) -> None:
    """Replace the migration matrix between two dates."""
    conn.execute(query("backtest/delete_migration"), {"from_date": from_date, "to_date": to_date})
    per_from: dict[str, int] = {}
    for (a, _), n in counts.items():
        per_from[a] = per_from.get(a, 0) + n
    now = datetime.now(UTC)
    conn.execute(
        query("backtest/insert_migration"),
        [
            {
                "from_date": from_date,
                "to_date": to_date,
                "from_band": a,
                "to_band": b,
                "customers": n,
                "from_band_customers": per_from[a],
                "computed_at": now,
            }
            for (a, b), n in counts.items()
        ],
    )


def save_cards(conn: Connection, cards: dict[str, dict[str, str]], registered: dict[str, str]) -> None:
    """Upsert every model card."""
    now = datetime.now(UTC)
    conn.execute(
        query("backtest/upsert_card"),
        [{"model": m, "registered_name": registered[m], **card, "updated_at": now} for m, card in cards.items()],
    )
