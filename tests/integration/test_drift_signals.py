"""Drift signals on hand-staged news nights (no models): the truth is known because we draw the rows.

The reference is ten equal-share bins of Beta(2, 5) (the score) and of a lognormal input; a night
drawn from the same laws is stable, one drawn from Beta(5, 2) has drifted. Each night goes through
the real publish (risk_stage -> risk.*, monitoring rows in the same transaction) and `steps.monitor`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from finrisk import steps
from finrisk.scoring.publish import publish_staged
from finrisk.summary import morning_summary, summary_text

D0 = date(2024, 6, 1)
RNG = np.random.default_rng(22)
BIG = 1000  # rows of a big night, above psi_min_rows (500)


def _reference() -> dict:
    """Equal-share deciles of the laws the stable nights are drawn from."""
    cuts = np.linspace(0, 1, 11)
    score = np.quantile(RNG.beta(2, 5, 200_000), cuts)
    body = np.quantile(RNG.lognormal(7, 0.5, 200_000), cuts)
    score[0], score[-1] = 0.0, 1.0
    return {
        "news": {
            "score": {"edges": score.tolist(), "shares": [0.1] * 10},
            "inputs": {"body_chars": {"edges": body.tolist(), "shares": [0.1] * 10}},
        }
    }


REFERENCE = _reference()


def _night(engine, settings, day: date, probs, body=None, version: str = "1") -> None:
    """Stage one night of news rows and publish it, as a scoring run would."""
    probs = np.asarray(probs, dtype=float)
    body = RNG.lognormal(7, 0.5, len(probs)) if body is None else np.asarray(body, dtype=float)
    run_id = f"news-{day}"
    with engine.begin() as conn:
        conn.execute(
            sa.text("""
            insert into risk_stage.batches (score_date, shard_index, shard_count, run_id, credit_model_version,
                fraud_model_version, news_model_version, model_references, customers_scored, transactions_scored,
                articles_scored, model_versions, model_counts, staged_at)
            values (:d, 0, 1, :r, '-', '-', :v, cast(:refs as jsonb), 0, 0, :n,
                jsonb_build_object('news', :v), jsonb_build_object('news', :n), now())"""),
            {"d": day, "r": run_id, "v": version, "refs": json.dumps(REFERENCE), "n": len(probs)},
        )
        conn.execute(
            sa.text("""
            insert into risk_stage.news_signals (run_id, score_date, article_id, published_at, companies, sentiment,
                negative_prob, numeric_inputs, model_version)
            select :r, :d, 'A' || i, now(), '[]'::jsonb, 'neutral', p, jsonb_build_object('body_chars', b), :v
            from unnest(cast(:p as double precision[]), cast(:b as double precision[]))
                with ordinality as t(p, b, i)"""),
            {"r": run_id, "d": day, "v": version, "p": probs.tolist(), "b": body.tolist()},
        )
    publish_staged(engine, settings.scoring, day, run_id, monitoring_settings=settings.monitoring)


def _psi_rows(engine, day: date) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("""select feature, metric, value, is_flagged, detail from risk.score_monitoring
            where score_date = :d and model = 'finrisk-news' and metric in ('psi', 'drift')"""),
            {"d": day},
        )
        return {r.feature or r.metric: dict(r._mapping) for r in rows}


def test_a_small_night_far_from_the_reference_is_insufficient_not_flagged(settings, engine):
    _night(engine, settings, D0, RNG.beta(30, 1, 8), body=RNG.lognormal(10, 0.1, 8))  # 8 articles, all extreme
    rows = _psi_rows(engine, D0)
    score, body, drift = rows["negative_prob"], rows["body_chars"], rows["drift"]
    for row in (score, body):
        assert not row["is_flagged"] and row["value"] is None
        assert row["detail"]["status"] == "insufficient_sample"
        assert (row["detail"]["rows"], row["detail"]["min_rows"]) == (8, 500)
    assert score["detail"]["kind"] == "score" and body["detail"]["kind"] == "input"
    assert drift["detail"]["status"] == "insufficient_sample" and not drift["is_flagged"] and drift["value"] is None
    assert drift["detail"]["score"]["feature"] == "negative_prob" and set(drift["detail"]["inputs"]) == {"body_chars"}
    monitored = steps.monitor(settings, D0)
    assert monitored["drifted"] == [] and monitored["insufficient"] == ["news"] and monitored["watch"] == []

    # two more small but shifted nights: pooled, 8 + 300 + 300 rows are enough, and the shift is found
    d1, d2 = D0 + timedelta(days=1), D0 + timedelta(days=2)
    _night(engine, settings, d1, RNG.beta(5, 2, 300))
    assert _psi_rows(engine, d1)["negative_prob"]["detail"]["status"] == "insufficient_sample"  # 308 rows pooled
    assert "news (score negative_prob no PSI on 308 rows pooled over 2 nights, 300 tonight; needs 500)" in (
        summary_text(morning_summary(settings, d1))
    )
    _night(engine, settings, d2, RNG.beta(5, 2, 300))
    pooled = _psi_rows(engine, d2)["negative_prob"]
    assert pooled["detail"]["pooled_nights"] == [d2.isoformat(), d1.isoformat()]  # 600 rows: D0 is not needed
    assert pooled["detail"]["rows"] == 600 and pooled["detail"]["night_rows"] == 300
    assert pooled["is_flagged"] and pooled["value"] > 0.25
    assert steps.monitor(settings, d2)["drift"]["news"]["status"] == "drift"


def test_drift_is_signalled_on_the_nth_consecutive_night_only(settings, engine):
    n = settings.monitoring.drift_persist_nights
    assert n == 3
    # night 0: the score is stable but an input has moved: watch, not drift
    _night(engine, settings, D0, RNG.beta(2, 5, BIG), body=RNG.lognormal(8, 0.5, BIG))
    rows = _psi_rows(engine, D0)
    assert rows["body_chars"]["is_flagged"] and rows["body_chars"]["detail"]["status"] == "drift"
    assert not rows["negative_prob"]["is_flagged"] and rows["negative_prob"]["value"] < 0.1
    assert rows["drift"]["detail"]["status"] == "watch" and not rows["drift"]["is_flagged"]
    assert rows["drift"]["detail"]["inputs_over_threshold"] == ["body_chars"]
    first = steps.monitor(settings, D0)
    assert first["watch"] == ["news"] and first["drifted"] == [] and first["drift_nights"] == {"news": 0}

    # nights 1..3: the whole population has shifted (large nights): drift every night, signalled on the third
    drifted = []
    for i in range(1, n + 1):
        day = D0 + timedelta(days=i)
        _night(engine, settings, day, RNG.beta(5, 2, BIG))
        drift = _psi_rows(engine, day)["drift"]
        assert drift["is_flagged"] and drift["detail"]["status"] == "drift" and drift["value"] > 0.25
        assert drift["detail"]["score"]["rows"] == BIG
        monitored = steps.monitor(settings, day)
        assert monitored["drift_nights"] == {"news": i}
        drifted.append(monitored["drifted"])
    assert drifted == [[], [], ["news"]]  # spec keys, on the Nth consecutive night only

    text = summary_text(morning_summary(settings, D0 + timedelta(days=n)))
    assert "drift (persistent, retraining signalled): news (score negative_prob PSI" in text
    assert f"on {BIG:,} rows, {n} of {n} nights in a row)" in text
    assert "watch: none" in text and "insufficient sample: none" in text

    # a stable night breaks the run; drift must persist again from zero
    calm = D0 + timedelta(days=n + 1)
    _night(engine, settings, calm, RNG.beta(2, 5, BIG))
    assert steps.monitor(settings, calm)["drifted"] == []
    again = D0 + timedelta(days=n + 2)
    _night(engine, settings, again, RNG.beta(5, 2, BIG))
    assert steps.monitor(settings, again)["drift_nights"] == {"news": 1}
    # a new champion version starts from zero too (its reference is new)
    retrained = D0 + timedelta(days=n + 3)
    _night(engine, settings, retrained, RNG.beta(5, 2, BIG), version="2")
    monitored = steps.monitor(settings, retrained)
    assert monitored["drift_nights"] == {"news": 1} and monitored["drift"]["news"]["model_version"] == "2"


def test_the_morning_summary_separates_watch_and_insufficient_sample(settings, engine):
    _night(engine, settings, D0, RNG.beta(2, 5, 40))
    summary = morning_summary(settings, D0)
    news = summary["drift"]["models"]["news"]
    assert news["status"] == "insufficient_sample" and news["score"]["rows"] == 40
    text = summary_text(summary)
    assert "insufficient sample: news (score negative_prob no PSI on 40 rows; needs 500)" in text
    assert "drift (persistent, retraining signalled): none" in text and "watch: none" in text
    assert json.loads(json.dumps(summary)) == summary  # JSON-safe for the alert channel


def test_a_small_portfolio_is_not_pooled_with_its_own_earlier_nights(settings, engine):
    """Credit scores every active customer each night: earlier nights hold the same customers, so no pooling."""
    from finrisk.monitoring.drift import monitoring_rows

    reference = {"credit": {"score": REFERENCE["news"]["score"]}}
    earlier = D0 - timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(  # an earlier published night of 1,000 customers, as its PSI row recorded it
            sa.text("""
            insert into risk.score_monitoring (score_date, run_id, model, model_version, role, metric, feature,
                value, threshold, is_flagged, detail, computed_at)
            values (:d, 'r0', 'finrisk-credit', '1', 'champion', 'psi', 'pd_12m', 0.01, 0.25, false,
                cast(:detail as jsonb), now())"""),
            {
                "d": earlier,
                "detail": json.dumps({"edges": reference["credit"]["score"]["edges"], "night_counts": [100] * 10}),
            },
        )
        conn.execute(
            sa.text("""
            insert into risk_stage.credit_scores (run_id, score_date, customer_id, pd_12m, score_points, risk_band,
                reason_codes, numeric_inputs, company, model_version)
            select 'r1', :d, 'C' || i, p, 600, 'C', '[]'::jsonb, '{}'::jsonb, null, '1'
            from unnest(cast(:p as double precision[])) with ordinality as t(p, i)"""),
            {"d": D0, "p": RNG.beta(2, 5, 300).tolist()},
        )
        rows = monitoring_rows(conn, D0, "r1", ["r1"], {"credit": "1"}, reference, 0.25)
    psi = next(r for r in rows if r[5] == "psi")
    detail = psi[10]
    assert detail["status"] == "insufficient_sample" and detail["rows"] == 300 and "pooled_nights" not in detail
    assert "not_pooled" in detail and psi[7] is None and psi[9] is False
