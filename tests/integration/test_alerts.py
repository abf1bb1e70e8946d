"""Early-warning rules on hand-made staged batches (no models): each trigger, and a stable customer."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from staging_rows import customer, insert

from finrisk.scoring.publish import publish_staged

UTC = UTC
D1 = date(2024, 5, 1)
D2 = D1 + timedelta(days=1)
CUT = [0.02, 0.05, 0.10, 0.20]
BAND = {0.01: "A", 0.03: "B", 0.07: "C", 0.15: "D", 0.5: "E"}


def _stage(conn, day: date, pds: dict[str, float], run_id: str) -> None:
    conn.execute(
        sa.text("""
        insert into risk_stage.batches (score_date, shard_index, shard_count, run_id, credit_model_version,
            fraud_model_version, news_model_version, customers_scored, transactions_scored, articles_scored,
            model_versions, model_counts, staged_at)
        values (:d, 0, 1, :r, '1', '1', '1', :n, 0, 0, '{"credit": "1", "fraud": "1", "news": "1"}'::jsonb,
            jsonb_build_object('credit', :n, 'fraud', 0, 'news', 0), now())"""),
        {"d": day, "r": run_id, "n": len(pds)},
    )
    for cid, pd in pds.items():
        reasons = [{"code": "notes", "description": "notes mention risk factors (notes)", "contribution": pd / 2}]
        conn.execute(
            sa.text("""
            insert into risk_stage.credit_scores (run_id, score_date, customer_id, pd_12m, score_points, risk_band,
                reason_codes, numeric_inputs, company, model_version)
            values (:r, :d, :c, :p, 600, :b, cast(:rc as jsonb), '{}'::jsonb, null, '1')"""),
            {"r": run_id, "d": day, "c": cid, "p": pd, "b": BAND[pd], "rc": json.dumps(reasons)},
        )


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
