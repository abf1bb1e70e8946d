"""Early-warning rules on hand-made staged batches (no models): each trigger, and a stable customer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from staging_rows import customer, insert, stage_credit_night

from finrisk.scoring.publish import publish_staged

UTC = UTC
D1 = date(2024, 5, 1)
D2 = D1 + timedelta(days=1)
CUT = [0.02, 0.05, 0.10, 0.20]


def _stage(conn, day: date, pds: dict[str, float], run_id: str) -> None:
    rows = {
        cid: {
            "pd": pd,
            "reasons": [{"code": "notes", "description": "notes mention risk factors (notes)", "contribution": pd / 2}],
        }
        for cid, pd in pds.items()
    }
    stage_credit_night(conn, day, rows, run_id, CUT)


def test_each_trigger_and_a_stable_customer(settings, engine):
    with engine.begin() as conn:
        insert(
            conn,
            "customers",
            [customer(c, datetime(2024, 1, 1, tzinfo=UTC)) for c in ("JUMP", "INTO_E", "DOUBLE", "STABLE")],
        )
        _stage(conn, D1, {"JUMP": 0.01, "INTO_E": 0.15, "DOUBLE": 0.03, "STABLE": 0.07}, "r1")
    publish_staged(engine, settings.scoring, D1, "r1")
    with engine.begin() as conn:
        _stage(conn, D2, {"JUMP": 0.07, "INTO_E": 0.5, "DOUBLE": 0.07, "STABLE": 0.07}, "r2")
    publish_staged(engine, settings.scoring, D2, "r2")
    with engine.connect() as conn:
        alerts = {
            r.customer_id: r
            for r in conn.execute(sa.text("select * from risk.risk_alerts where score_date = :d"), {"d": D2})
        }
        first_day = conn.execute(
            sa.text("select count(*) from risk.risk_alerts where score_date = :d"), {"d": D1}
        ).scalar()
    assert first_day == 0  # nobody has a previous score yet
    # DOUBLE (0.03 -> 0.07) more than doubled but rose only 4 points (< scoring.alert_min_pd_increase): no warning
    assert set(alerts) == {"JUMP", "INTO_E"}
    assert alerts["JUMP"].alert_type == "band_jump" and (alerts["JUMP"].previous_band, alerts["JUMP"].risk_band) == (
        "A",
        "C",
    )
    # D -> E in one night is one band: warned for the PD (x3.3, +0.35), not for entering E (held_band_e needs 2 nights)
    assert alerts["INTO_E"].alert_type == "pd_jump" and list(alerts["INTO_E"].triggers) == ["pd_jump"]
    assert alerts["INTO_E"].previous_pd == 0.15
    assert alerts["JUMP"].reason_codes[0]["code"] == "notes" and alerts["JUMP"].run_id == "r2"
