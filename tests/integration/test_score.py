"""Nightly scoring end to end on the test Postgres with tiny models registered in MLflow.

One module-scoped set-up trains tiny random-BERT credit, fraud and news models once on a
synthetic warehouse; each test copies that warehouse (CREATE DATABASE ... TEMPLATE) and
shares the MLflow backend. Tests that move aliases put them back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from finrisk.config import GateSettings, ScoringSettings, Settings
from finrisk.errors import FinriskError
from finrisk.scoring.run import score
from staging_rows import build_dataset, customer, insert, txn

UTC = timezone.utc
D1 = date(2024, 7, 1)
D2 = D1 + timedelta(days=1)
REGISTERED = {"credit": "finrisk-credit", "fraud": "finrisk-fraud", "news": "finrisk-news"}
BUSINESS = ("score_date", "customer_id", "pd_12m", "fraud_score", "news_score", "score_points", "risk_band",
            "reason_codes", "credit_model_version", "fraud_model_version", "news_model_version")


def _url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name, drivername="postgresql+psycopg2").render_as_string(hide_password=False)


def _create(pg_admin, name: str, template: str) -> None:
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}" template "{template}"')


def _drop(pg_admin, name: str) -> None:
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')


def _release(pg_admin, name: str) -> None:
    """Close every connection to a database (ours are pooled), so it can serve as a template."""
    from finrisk.db.engine import engine_for

    engine_for.cache_clear()
    with pg_admin.connect() as conn:
        conn.execute(sa.text("select pg_terminate_backend(pid) from pg_stat_activity "
                             "where datname = :n and pid <> pg_backend_pid()"), {"n": name})


def _day_rows(conn) -> None:
    """Known activity on D1: two transactions, one adverse article about Company A, a quarantined customer."""
    at = datetime(D1.year, D1.month, D1.day, 10, tzinfo=UTC)
    insert(conn, "transactions", [
        txn("TD1a", "C0001", at, 850.0, "QuickGift Cards", country="NG", channel="online", description="gift card voucher"),
        txn("TD1b", "C0001", at + timedelta(hours=2), 12.5, "Grocer"),
    ])
    insert(conn, "news_articles", [dict(article_id="ND1", published_at=at, source="Wire", companies=["Company A"],
                                        headline="Company A warns of bankruptcy", body="Company A news item.")])
    insert(conn, "customers", [customer("CQ001", at - timedelta(days=30), company="Company A",
                                        profile={"employment": "salaried"}, notes="quarantined")])
    row_id = conn.execute(sa.text("select row_id from staging.customers where customer_id = 'CQ001'")).scalar_one()
    conn.execute(sa.text(
        "insert into quality.quarantine (run_id, table_name, row_id, row_key, raw_row, expectation, reason) "
        "values ('q', 'staging.customers', :r, 'CQ001', '{}'::jsonb, 'x', 'test')"), {"r": row_id})


@pytest.fixture(scope="module")
def trained(pg_admin, template_db, mlflow_template, tmp_path_factory):
    """A warehouse template with synthetic data and an MLflow backend with three tiny champions."""
    from conftest import ADMIN_URL
    from finrisk.models.args import TrainArgs
    from finrisk.models.train import train_model

    suffix = uuid.uuid4().hex[:8]
    wh, ml = f"finrisk_scoretmpl_{suffix}", f"finrisk_scoreml_{suffix}"
    _create(pg_admin, wh, template_db)
    _create(pg_admin, ml, mlflow_template)
    wh_url, ml_url = _url(ADMIN_URL, wh), _url(ADMIN_URL, ml)
    data_dir = tmp_path_factory.mktemp("score-data")
    lenient = GateSettings(min_auc=0.0, min_macro_f1=0.0, max_calibration_error=1.0, require_beats_baseline=False)
    settings = Settings(database_url=wh_url, mlflow_tracking_uri=ml_url, data_dir=data_dir, gate=lenient)
    engine = sa.create_engine(wh_url)
    with engine.begin() as conn:
        build_dataset(conn, n_customers=100, seed=0)
        _day_rows(conn)
    engine.dispose()
    args = TrainArgs.from_settings(settings, base_model="tiny-random", max_steps=40, epochs=3, batch_size=16,
                                   max_length=128, eval_batch_size=64)
    for model in ("credit", "fraud", "news"):
        train_model(settings, model, args)
    _release(pg_admin, wh)
    yield {"template": wh, "mlflow_url": ml_url, "data_dir": data_dir, "gate": lenient}
    _drop(pg_admin, wh)
    _drop(pg_admin, ml)


@pytest.fixture()
def env(pg_admin, trained):
    """Settings on a fresh copy of the trained warehouse, sharing the MLflow backend."""
    from conftest import ADMIN_URL

    name = f"finrisk_score_{uuid.uuid4().hex[:8]}"
    _release(pg_admin, trained["template"])
    _create(pg_admin, name, trained["template"])
    url = _url(ADMIN_URL, name)
    settings = Settings(database_url=url, mlflow_tracking_uri=trained["mlflow_url"], data_dir=trained["data_dir"],
                        gate=trained["gate"])
    yield settings
    from finrisk.db.engine import engine_for

    engine_for.cache_clear()
    _drop(pg_admin, name)


def _engine(settings):
    from finrisk.db.engine import get_engine

    return get_engine(settings)


def _rows(engine, sql: str, **params) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]


def _champions(settings) -> dict[str, str]:
    from finrisk.registry.client import resolve_alias

    return {m: resolve_alias(settings, m, "champion").version for m in REGISTERED}


def test_output_contract_column_by_column(env):
    result = score(env, D1)
    engine = _engine(env)
    assert result.status == "published" and result.counts["credit"] == 100
    champions = _champions(env)
    cols = {(r["table_name"], r["column_name"]): r["data_type"] for r in _rows(engine, """
        select table_name, column_name, data_type from information_schema.columns
        where table_schema in ('risk', 'ops')""")}
    expected = {
        "risk_scores": {"score_date": "date", "customer_id": "text", "pd_12m": "double precision",
                        "fraud_score": "double precision", "news_score": "double precision", "score_points": "integer",
                        "risk_band": "text", "reason_codes": "jsonb", "credit_model_version": "text",
                        "fraud_model_version": "text", "news_model_version": "text", "run_id": "text",
                        "scored_at": "timestamp with time zone"},
        "transaction_scores": {"score_date": "date", "txn_id": "text", "customer_id": "text",
                               "fraud_prob": "double precision", "model_version": "text", "run_id": "text"},
        "news_signals": {"score_date": "date", "article_id": "text", "published_at": "timestamp with time zone",
                         "companies": "jsonb", "sentiment": "text", "negative_prob": "double precision",
                         "model_version": "text", "run_id": "text"},
        "risk_alerts": {c: None for c in ("score_date", "customer_id", "alert_type", "previous_band", "risk_band",
                                          "previous_pd", "pd_12m", "reason_codes", "run_id")},
        "challenger_scores": {c: None for c in ("score_date", "model", "version", "key", "prob")},
        "fraud_alerts": {c: None for c in ("score_date", "txn_id", "fraud_prob", "reason")},
        "score_monitoring": {c: None for c in ("score_date", "run_id", "model", "metric", "value", "is_flagged")},
        "scoring_runs": {c: None for c in ("run_id", "score_date", "status", "duration_s", "rows_per_s",
                                           "credit_model_version", "customers_scored")},
    }
    for table, columns in expected.items():
        for column, dtype in columns.items():
            assert (table, column) in cols, f"{table}.{column} missing"
            assert dtype is None or cols[(table, column)] == dtype, f"{table}.{column} is {cols[(table, column)]}"

    scores = _rows(engine, "select * from risk.risk_scores where score_date = :d", d=D1)
    ids = {r["customer_id"] for r in scores}
    assert len(scores) == 100 and "CQ001" not in ids  # quarantined customers are not scored
    for r in scores:
        assert 0 <= r["pd_12m"] <= 1 and 0 <= r["fraud_score"] <= 1 and 0 <= r["news_score"] <= 1
        assert r["risk_band"] in "ABCDE" and 300 <= r["score_points"] <= 900
        assert isinstance(r["reason_codes"], list) and len(r["reason_codes"]) <= 4
        for code in r["reason_codes"]:
            assert set(code) == {"code", "description", "contribution"} and code["contribution"] > 0
        assert (r["credit_model_version"], r["fraud_model_version"], r["news_model_version"]) == (
            champions["credit"], champions["fraud"], champions["news"])
        assert r["run_id"] == result.run_id and r["scored_at"] is not None
    by_points = sorted(scores, key=lambda r: r["pd_12m"])
    assert [r["score_points"] for r in by_points] == sorted((r["score_points"] for r in by_points), reverse=True)

    txns = {r["txn_id"]: r for r in _rows(engine, "select * from risk.transaction_scores where score_date = :d", d=D1)}
    assert {"TD1a", "TD1b"} <= set(txns)
    c1 = next(r for r in scores if r["customer_id"] == "C0001")
    recent = _rows(engine, """select max(fraud_prob) as m from risk.transaction_scores
                              where customer_id = 'C0001' and score_date between :a and :d""", a=D1 - timedelta(days=6), d=D1)
    assert c1["fraud_score"] == pytest.approx(recent[0]["m"])
    no_txn = _rows(engine, """select s.fraud_score from risk.risk_scores s where s.score_date = :d and not exists (
        select 1 from risk.transaction_scores t where t.customer_id = s.customer_id)""", d=D1)
    assert no_txn and all(r["fraud_score"] == 0 for r in no_txn)

    news = {r["article_id"]: r for r in _rows(engine, "select * from risk.news_signals where score_date = :d", d=D1)}
    assert news["ND1"]["companies"] == ["Company A"] and news["ND1"]["sentiment"] in ("negative", "neutral", "positive")
    company_a = _rows(engine, """select s.news_score from risk.risk_scores s join staging.customers c using (customer_id)
                                 where s.score_date = :d and c.company = 'Company A'""", d=D1)
    assert company_a and all(r["news_score"] == pytest.approx(news["ND1"]["negative_prob"]) for r in company_a)

    runs = _rows(engine, "select * from ops.scoring_runs where run_id = :r", r=result.run_id)
    assert runs[0]["status"] == "published" and runs[0]["customers_scored"] == 100
    assert runs[0]["duration_s"] > 0 and runs[0]["rows_per_s"] > 0
    assert runs[0]["credit_model_version"] == champions["credit"]
    monitoring = _rows(engine, "select * from risk.score_monitoring where score_date = :d", d=D1)
    metrics = {(r["model"], r["metric"], r["feature"]) for r in monitoring}
    assert ("finrisk-credit", "psi", "pd_12m") in metrics and ("finrisk-credit", "mean_prob", "pd_12m") in metrics
    assert ("finrisk-credit", "psi", "txn_amount_30d") in metrics
    assert {("finrisk-credit", "band_share", b) for b in "ABCDE"} <= metrics
    assert _rows(engine, "select count(*) as n from risk_stage.batches")[0]["n"] == 0  # staging cleared
