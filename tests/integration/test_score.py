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
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from staging_rows import build_dataset, customer, insert, txn

from finrisk.config import GateSettings, Settings
from finrisk.errors import FinriskError
from finrisk.scoring.run import score

UTC = UTC
D1 = date(2024, 7, 1)
D2 = D1 + timedelta(days=1)
REGISTERED = {"credit": "finrisk-credit", "fraud": "finrisk-fraud", "news": "finrisk-news"}
BUSINESS = (
    "score_date",
    "customer_id",
    "pd_12m",
    "fraud_score",
    "news_score",
    "score_points",
    "risk_band",
    "reason_codes",
    "credit_model_version",
    "fraud_model_version",
    "news_model_version",
)


def _url(admin_url: str, name: str) -> str:
    return (
        make_url(admin_url).set(database=name, drivername="postgresql+psycopg2").render_as_string(hide_password=False)
    )


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
        conn.execute(
            sa.text(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = :n and pid <> pg_backend_pid()"
            ),
            {"n": name},
        )


def _day_rows(conn) -> None:
    """Known activity on D1: two transactions, one adverse article about Company A, a quarantined customer."""
    at = datetime(D1.year, D1.month, D1.day, 10, tzinfo=UTC)
    insert(
        conn,
        "transactions",
        [
            txn(
                "TD1a",
                "C0001",
                at,
                850.0,
                "QuickGift Cards",
                country="NG",
                channel="online",
                description="gift card voucher",
            ),
            txn("TD1b", "C0001", at + timedelta(hours=2), 12.5, "Grocer"),
        ],
    )
    insert(
        conn,
        "news_articles",
        [
            dict(
                article_id="ND1",
                published_at=at,
                source="Wire",
                companies=["Company A"],
                headline="Company A warns of bankruptcy",
                body="Company A news item.",
            )
        ],
    )
    insert(
        conn,
        "customers",
        [
            customer(
                "CQ001",
                at - timedelta(days=30),
                company="Company A",
                profile={"employment": "salaried"},
                notes="quarantined",
            )
        ],
    )
    row_id = conn.execute(sa.text("select row_id from staging.customers where customer_id = 'CQ001'")).scalar_one()
    conn.execute(
        sa.text(
            "insert into quality.quarantine (run_id, table_name, row_id, row_key, raw_row, expectation, reason) "
            "values ('q', 'staging.customers', :r, 'CQ001', '{}'::jsonb, 'x', 'test')"
        ),
        {"r": row_id},
    )


def record_passed_validation(conn, day: date, run_id: str | None = None) -> str:
    """Set-up standing for `finrisk validate --date day` having passed (these tests stage rows directly)."""
    from finrisk.ingest import TABLES

    run_id = run_id or f"validate-{day}-test"
    now = datetime.now(UTC)
    conn.execute(
        sa.text("""
        insert into quality.validation_runs (run_id, run_date, suite, table_name, success, evaluated_rows,
            failed_rows, batch_failure, started_at, finished_at)
        values (:r, :d, :t, :t, true, 0, 0, null, :now, :now)"""),
        [{"r": run_id, "d": day, "t": f"staging.{t}", "now": now} for t in TABLES],
    )
    return run_id


@pytest.fixture(scope="module")
def trained(pg_admin, template_db, mlflow_template, tmp_path_factory):
    """A warehouse template with synthetic data and an MLflow backend with three tiny champions."""
    from pgtools import ADMIN_URL

    from finrisk.models.args import TrainArgs
    from finrisk.training.train import train_model

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
        for day in (D1, D2, date(2020, 1, 1)):  # scoring requires a passed validation run of the date
            record_passed_validation(conn, day)
    engine.dispose()
    args = TrainArgs.from_settings(
        settings, base_model="tiny-random", max_steps=40, epochs=3, batch_size=16, max_length=128, eval_batch_size=64
    )
    for model in ("credit", "fraud", "news"):
        train_model(settings, model, args)
    _release(pg_admin, wh)
    yield {"template": wh, "mlflow_url": ml_url, "data_dir": data_dir, "gate": lenient}
    _drop(pg_admin, wh)
    _drop(pg_admin, ml)


@pytest.fixture()
def env(pg_admin, trained):
    """Settings on a fresh copy of the trained warehouse, sharing the MLflow backend."""
    from pgtools import ADMIN_URL

    name = f"finrisk_score_{uuid.uuid4().hex[:8]}"
    _release(pg_admin, trained["template"])
    _create(pg_admin, name, trained["template"])
    url = _url(ADMIN_URL, name)
    settings = Settings(
        database_url=url, mlflow_tracking_uri=trained["mlflow_url"], data_dir=trained["data_dir"], gate=trained["gate"]
    )
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
    cols = {
        (r["table_name"], r["column_name"]): r["data_type"]
        for r in _rows(
            engine,
            """
        select table_name, column_name, data_type from information_schema.columns
        where table_schema in ('risk', 'ops')""",
        )
    }
    expected = {
        "risk_scores": {
            "score_date": "date",
            "customer_id": "text",
            "pd_12m": "double precision",
            "fraud_score": "double precision",
            "news_score": "double precision",
            "score_points": "integer",
            "risk_band": "text",
            "reason_codes": "jsonb",
            "credit_model_version": "text",
            "fraud_model_version": "text",
            "news_model_version": "text",
            "run_id": "text",
            "scored_at": "timestamp with time zone",
        },
        "transaction_scores": {
            "score_date": "date",
            "txn_id": "text",
            "customer_id": "text",
            "fraud_prob": "double precision",
            "model_version": "text",
            "run_id": "text",
        },
        "news_signals": {
            "score_date": "date",
            "article_id": "text",
            "published_at": "timestamp with time zone",
            "companies": "jsonb",
            "sentiment": "text",
            "negative_prob": "double precision",
            "model_version": "text",
            "run_id": "text",
        },
        "risk_alerts": {
            c: None
            for c in (
                "score_date",
                "customer_id",
                "alert_type",
                "previous_band",
                "risk_band",
                "previous_pd",
                "pd_12m",
                "reason_codes",
                "run_id",
            )
        },
        "challenger_scores": {c: None for c in ("score_date", "model", "version", "key", "prob")},
        "fraud_alerts": {c: None for c in ("score_date", "txn_id", "fraud_prob", "reason")},
        "score_monitoring": {c: None for c in ("score_date", "run_id", "model", "metric", "value", "is_flagged")},
        "scoring_runs": {
            c: None
            for c in (
                "run_id",
                "score_date",
                "status",
                "duration_s",
                "rows_per_s",
                "credit_model_version",
                "customers_scored",
            )
        },
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
            assert set(code) == {"code", "description", "inputs", "contribution"} and code["contribution"] > 0
        assert (r["credit_model_version"], r["fraud_model_version"], r["news_model_version"]) == (
            champions["credit"],
            champions["fraud"],
            champions["news"],
        )
        assert r["run_id"] == result.run_id and r["scored_at"] is not None
    by_points = sorted(scores, key=lambda r: r["pd_12m"])
    assert [r["score_points"] for r in by_points] == sorted((r["score_points"] for r in by_points), reverse=True)

    txns = {r["txn_id"]: r for r in _rows(engine, "select * from risk.transaction_scores where score_date = :d", d=D1)}
    assert {"TD1a", "TD1b"} <= set(txns)
    c1 = next(r for r in scores if r["customer_id"] == "C0001")
    recent = _rows(
        engine,
        """select max(fraud_prob) as m from risk.transaction_scores
                              where customer_id = 'C0001' and score_date between :a and :d""",
        a=D1 - timedelta(days=6),
        d=D1,
    )
    assert c1["fraud_score"] == pytest.approx(recent[0]["m"])
    no_txn = _rows(
        engine,
        """select s.fraud_score from risk.risk_scores s where s.score_date = :d and not exists (
        select 1 from risk.transaction_scores t where t.customer_id = s.customer_id)""",
        d=D1,
    )
    assert no_txn and all(r["fraud_score"] == 0 for r in no_txn)

    news = {r["article_id"]: r for r in _rows(engine, "select * from risk.news_signals where score_date = :d", d=D1)}
    assert news["ND1"]["companies"] == ["Company A"] and news["ND1"]["sentiment"] in ("negative", "neutral", "positive")
    company_a = _rows(
        engine,
        """select s.news_score from risk.risk_scores s join staging.customers c using (customer_id)
                                 where s.score_date = :d and c.company = 'Company A'""",
        d=D1,
    )
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


def _business(engine, day: date) -> list[tuple]:
    cols = ", ".join(BUSINESS)
    return [
        tuple(json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v for v in r.values())
        for r in _rows(engine, f"select {cols} from risk.risk_scores where score_date = :d order by customer_id", d=day)
    ]


def test_same_date_twice_gives_identical_rows_and_keeps_other_days(env):
    engine = _engine(env)
    score(env, D2)
    first = score(env, D1)
    before = _business(engine, D1)
    other = _business(engine, D2)
    second = score(env, D1)
    assert second.run_id != first.run_id
    assert _business(engine, D1) == before
    assert _business(engine, D2) == other  # history of other days is kept
    counts = _rows(
        engine,
        """select (select count(*) from risk.risk_scores where score_date = :d) as scores,
                                     (select count(*) from risk.transaction_scores where score_date = :d) as txns,
                                     (select count(*) from risk.news_signals where score_date = :d) as news""",
        d=D1,
    )[0]
    assert counts == {"scores": 100, "txns": second.counts["fraud"], "news": second.counts["news"]}
    assert {
        r["run_id"] for r in _rows(engine, "select distinct run_id from risk.risk_scores where score_date = :d", d=D1)
    } == {second.run_id}


def test_crash_between_staging_and_publish_leaves_published_tables_unchanged(env):
    engine = _engine(env)
    first = score(env, D1)
    before = _rows(engine, "select * from risk.risk_scores where score_date = :d order by customer_id", d=D1)
    script = textwrap.dedent(f"""
        import os, sys
        from datetime import date
        from finrisk.config import Settings
        from finrisk.scoring import run
        run.Hooks.at = lambda point: point == "staged" and os._exit(17)
        settings = Settings(database_url={env.database_url!r}, mlflow_tracking_uri={env.mlflow_tracking_uri!r},
                            data_dir={str(env.data_dir)!r})
        run.score(settings, date.fromisoformat({D1.isoformat()!r}))
        sys.exit(0)
    """)
    crashed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert crashed.returncode == 17, crashed.stderr[-2000:]
    assert _rows(engine, "select * from risk.risk_scores where score_date = :d order by customer_id", d=D1) == before
    assert _rows(engine, "select count(*) as n from risk_stage.batches")[0]["n"] == 1  # staged, never published
    rerun = score(env, D1)
    after = _rows(engine, "select * from risk.risk_scores where score_date = :d order by customer_id", d=D1)
    assert len(after) == len(before) and {r["run_id"] for r in after} == {rerun.run_id}
    assert _rows(engine, "select count(*) as n from risk_stage.batches")[0]["n"] == 0
    runs = {r["run_id"]: r for r in _rows(engine, "select * from ops.scoring_runs")}
    assert runs[first.run_id]["status"] == "published" and runs[rerun.run_id]["status"] == "published"
    # the killed run never finished: the retry found its process gone and marked it abandoned
    killed = [r for r in runs.values() if r["run_id"] not in (first.run_id, rerun.run_id)]
    assert len(killed) == 1 and killed[0]["status"] == "abandoned", killed
    assert killed[0]["abandoned_at"] is not None and "process is gone" in killed[0]["abandoned_reason"]
    assert "running" not in {r["status"] for r in runs.values()}


def test_reason_codes_are_catalogue_codes_with_value_and_direction_never_a_protected_attribute(env):
    """Issue 23: a scored night's stored reasons are letter-ready catalogue codes naming real inputs of the record,
    each with its value and the direction that hurt; age_band (protected, in every profile) is never among them."""
    from finrisk.features.protected import current_policy
    from finrisk.features.records import explained_fields
    from finrisk.models.specs import SPECS
    from finrisk.scoring.reason_catalogue import load_catalogue

    score(env, D1)
    engine = _engine(env)
    with engine.connect() as conn:
        records = {r.key: r for r in SPECS["credit"].scoring_records(conn, D1)}
    assert all(r.meta["protected"]["age_band"] for r in records.values())  # measured, kept for fairness
    assert not any("age band" in r.fields or "age_band" in r.meta["attributes"] for r in records.values())
    codes = load_catalogue(env.scoring.reason_catalogue, current_policy()).codes()
    scores = _rows(engine, "select customer_id, reason_codes from risk.risk_scores where score_date = :d", d=D1)
    named = 0
    for row in scores:
        fields = set(explained_fields(records[row["customer_id"]]))
        for reason in row["reason_codes"]:
            assert reason["code"] in codes and reason["description"], reason
            assert "related field" not in reason["description"] and "missed several" not in reason["description"]
            for item in reason["inputs"]:
                assert item["input"] in fields and "age" not in item["input"], reason
                assert item["direction"] in ("high", "low", "value")
                assert item["value"] is not None or item["input"] in ("notes", "headlines"), reason
            named += 1
    assert named > len(scores)  # most customers get more than one reason
    quoted = [i for row in scores for r in row["reason_codes"] for i in r["inputs"] if i["value"] is not None]
    assert quoted  # values are stated, e.g. "Income of 14,000 is low"
    contributions = [r["reason_codes"][0]["contribution"] for r in scores if r["reason_codes"]]
    assert all(c > 0 for c in contributions)


def test_psi_flags_a_shifted_population(env):
    engine = _engine(env)
    score(env, D1)
    stable = {
        r["feature"]: r
        for r in _rows(
            engine,
            """select feature, value, is_flagged, detail from risk.score_monitoring
        where score_date = :d and model = 'finrisk-credit' and metric = 'psi'""",
            d=D1,
        )
    }
    # 100 customers are below the default psi_min_rows (500): recorded as too small a sample, never flagged
    assert not stable["txn_amount_30d"]["is_flagged"] and stable["txn_amount_30d"]["value"] is None
    assert stable["txn_amount_30d"]["detail"]["status"] == "insufficient_sample"
    assert stable["txn_amount_30d"]["detail"]["rows"] == 100
    # Every customer suddenly spends a fortune: the 30-day amounts leave the training range.
    at = datetime(D2.year, D2.month, D2.day, 9, tzinfo=UTC)
    with engine.begin() as conn:
        insert(conn, "transactions", [txn(f"TS{i:04d}", f"C{i:04d}", at, 25_000.0, "Jeweller") for i in range(100)])
    small_enough = env.model_copy(
        update={"monitoring": env.monitoring.model_copy(update={"psi_min_rows": 50, "psi_pool_nights": 1})}
    )
    score(small_enough, D2)
    shifted = {
        r["feature"]: r
        for r in _rows(
            engine,
            """select feature, value, is_flagged, detail from risk.score_monitoring
        where score_date = :d and model = 'finrisk-credit' and metric = 'psi'""",
            d=D2,
        )
    }
    assert shifted["txn_amount_30d"]["is_flagged"] and shifted["txn_amount_30d"]["value"] > 0.25
    assert shifted["txn_amount_30d"]["detail"]["kind"] == "input" and shifted["pd_12m"]["detail"]["kind"] == "score"
    drift = _rows(
        engine,
        """select is_flagged, detail from risk.score_monitoring where score_date = :d
        and model = 'finrisk-credit' and metric = 'drift'""",
        d=D2,
    )[0]
    # an input over the threshold is 'watch'; only the score's own PSI makes it 'drift' (the only flag)
    assert "txn_amount_30d" in drift["detail"]["inputs_over_threshold"]
    assert drift["detail"]["status"] in ("watch", "drift")
    assert drift["is_flagged"] == (drift["detail"]["status"] == "drift")
    from finrisk.monitoring.signals import drift_status

    with engine.connect() as conn:
        today = drift_status(conn, D2, persist_nights=3)["credit"]
    assert today["status"] == drift["detail"]["status"] and not today["persistent"]  # one night is not persistent


def _copy_version(settings, model: str) -> str:
    """Register a new version of a model from its champion's artifacts (a cheap 'retrain')."""
    from finrisk.registry.tracking import client

    c = client(settings)
    name = REGISTERED[model]
    champion = c.get_model_version_by_alias(name, "champion")
    return str(c.create_model_version(name, champion.source, run_id=champion.run_id).version)


def test_alias_resolved_once_and_next_run_follows_a_promotion(env):
    from finrisk.registry.promote import promote

    original = _champions(env)["credit"]
    new_version = _copy_version(env, "credit")
    promoted = []

    def promote_midway(model: str, n: int) -> None:
        if not promoted:
            promote(env, "credit", new_version, actor="test")
            promoted.append(model)

    try:
        during = score(env, D1, progress=promote_midway)
        after = score(env, D2)
    finally:
        promote(env, "credit", original, actor="test")
    engine = _engine(env)
    assert promoted and during.versions["credit"] == original
    assert {
        r["v"]
        for r in _rows(
            engine, "select distinct credit_model_version as v from risk.risk_scores where score_date = :d", d=D1
        )
    } == {original}
    assert after.versions["credit"] == new_version
    assert {
        r["v"]
        for r in _rows(
            engine, "select distinct credit_model_version as v from risk.risk_scores where score_date = :d", d=D2
        )
    } == {new_version}
    lineage = _rows(
        engine,
        "select score_date, model_version from risk.model_lineage where model = 'finrisk-credit' "
        "and role = 'champion' order by score_date",
    )
    assert [(r["score_date"], r["model_version"]) for r in lineage] == [(D1, original), (D2, new_version)]


def test_shadow_scoring_of_a_challenger(env):
    from finrisk.registry.tracking import client

    champions = _champions(env)
    challenger = _copy_version(env, "credit")
    c = client(env)
    c.set_registered_model_alias("finrisk-credit", "challenger", challenger)
    try:
        result = score(env, D1)
    finally:
        c.delete_registered_model_alias("finrisk-credit", "challenger")
    engine = _engine(env)
    assert result.challenger_versions == {"credit": challenger}
    shadow = _rows(engine, "select * from risk.challenger_scores where score_date = :d", d=D1)
    assert len(shadow) == 100 and {r["version"] for r in shadow} == {challenger}
    assert {r["champion_version"] for r in shadow} == {champions["credit"]}
    published = _rows(
        engine, "select distinct credit_model_version as v from risk.risk_scores where score_date = :d", d=D1
    )
    assert [r["v"] for r in published] == [champions["credit"]]
    agreement = _rows(
        engine,
        """select value, detail from risk.score_monitoring where score_date = :d
        and model = 'finrisk-credit' and role = 'challenger' and metric = 'spearman'""",
        d=D1,
    )[0]
    assert agreement["value"] == pytest.approx(1.0)  # the same weights rank identically
    dist = _rows(
        engine,
        """select detail from risk.score_monitoring where score_date = :d
        and model = 'finrisk-credit' and role = 'challenger' and metric = 'distribution'""",
        d=D1,
    )[0]["detail"]
    assert dist["challenger_shares"] == dist["champion_shares"]
    # the challenger runs the champion's frozen encoder: one set of vectors, keyed by the encoder, serves both
    stored = _rows(
        engine,
        """select source, count(*) as n from ops.text_embeddings where model_name = 'credit'
        group by source""",
    )
    assert len(stored) == 1 and stored[0]["source"].startswith("encoder:")


def test_early_warning_for_a_customer_who_worsens(env):
    """C0002 turns risky on D2; with band cut-offs placed between its two PDs it jumps two bands."""
    from finrisk.models.specs import SPECS
    from finrisk.registry.client import load_scorer, resolve_alias

    engine = _engine(env)
    worse_at = datetime(D2.year, D2.month, D2.day, 8, tzinfo=UTC)
    ref = resolve_alias(env, "credit", "champion")
    scorer = load_scorer(env, ref)

    def pds(day):
        with engine.connect() as conn:
            records = list(SPECS["credit"].scoring_records(conn, day))
        probs = scorer.predict_records(records)[:, scorer.positive_index]  # text and attributes (fused)
        return dict(zip((r.key for r in records), probs))

    before = pds(D1)
    with engine.begin() as conn:
        insert(
            conn,
            "customers",
            [
                customer(
                    "C0002",
                    worse_at,
                    segment="retail",
                    company="Company B",
                    profile={"age_band": "18-30", "employment": "unemployed", "income": 12000},
                    notes="missed several payments, overdraft limit exceeded, collections agency involved",
                )
            ],
        )
    after = pds(D2)
    low, high = before["C0002"], after["C0002"]
    assert high > low, "the planted change must raise the PD"
    # Two cut-offs strictly between the planted customer's PDs, away from everybody else's moves.
    moves = [max(before[k], after[k]) for k in before if k != "C0002" and abs(after[k] - before[k]) > 0]
    gap = (high - low) / 3
    cutoffs = [low / 2, low + gap, low + 2 * gap, min(0.999999, max(high, *moves, 0) + 1e-6)]
    cutoffs = [max(1e-6, c) for c in cutoffs]
    cfg = env.scoring.model_copy(update={"band_cutoffs": cutoffs, "alert_pd_ratio": 1000.0})
    tuned = env.model_copy(update={"scoring": cfg})
    score(tuned, D1)
    score(tuned, D2)
    alerts = {r["customer_id"]: r for r in _rows(engine, "select * from risk.risk_alerts where score_date = :d", d=D2)}
    planted = alerts["C0002"]
    assert planted["alert_type"] == "band_jump" and planted["previous_band"] == "B" and planted["risk_band"] == "D"
    assert planted["pd_12m"] > planted["previous_pd"] and planted["reason_codes"]
    stable = [k for k in before if k != "C0002" and abs(after[k] - before[k]) < 1e-9]
    assert stable and not set(stable) & set(alerts)


def test_shards_staged_separately_then_published_together(env):
    from finrisk.scoring.run import publish

    engine = _engine(env)
    whole = score(env, D1)
    expected = _business(engine, D1)
    parts = [score(env, D2, shard=(i, 3)) for i in range(3)]
    assert [p.status for p in parts] == ["staged"] * 3
    assert sum(p.counts["credit"] for p in parts) == whole.counts["credit"]
    score(env, D1, shard=(0, 2))
    with pytest.raises(FinriskError, match="1/2 not staged"):
        publish(env, D1)
    score(env, D1, shard=(1, 2))
    merged = publish(env, D1)
    assert merged.status == "published"
    merged_rows = _business(engine, D1)
    # Same customers and scores as the unsharded run (batch make-up moves PDs by float noise only).
    assert [r[:2] for r in merged_rows] == [r[:2] for r in expected]
    assert [r[2] for r in merged_rows] == pytest.approx([r[2] for r in expected], abs=1e-5)
    assert [r[-3:] for r in merged_rows] == [r[-3:] for r in expected]
    runs = _rows(
        engine,
        "select step, status, shard_index, shard_count from ops.scoring_runs where score_date = :d "
        "and shard_count = 2 order by step, shard_index",
        d=D1,
    )
    assert [(r["step"], r["status"]) for r in runs] == [
        ("publish", "published"),
        ("score", "published"),
        ("score", "published"),
    ]
    assert _rows(engine, "select count(*) as n from risk.risk_scores where score_date = :d", d=D2)[0]["n"] == 0


def test_a_date_with_no_data_is_an_empty_recorded_run(env):
    engine = _engine(env)
    result = score(env, date(2020, 1, 1))
    assert result.status == "empty" and result.rows_scored == 0
    run = _rows(engine, "select status, customers_scored from ops.scoring_runs where run_id = :r", r=result.run_id)[0]
    assert run == {"status": "empty", "customers_scored": 0}
    assert _rows(engine, "select count(*) as n from risk.risk_scores")[0]["n"] == 0


def test_cli_scores_and_prints_one_summary_line(env):
    cli_env = {
        **os.environ,
        "FINRISK_DATABASE_URL": env.database_url,
        "MLFLOW_TRACKING_URI": env.mlflow_tracking_uri,
        "FINRISK_DATA_DIR": str(env.data_dir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "finrisk.cli", "score", "--date", D1.isoformat()],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith(f"published {D1}: 100 customers") and "credit v" in line and "run score-" in line


def test_analyst_queries_run_as_the_analyst_role(env):
    from finrisk.config import SQL_DIR

    score(env, D1)
    score(env, D2)
    engine = _engine(env)
    files = sorted((SQL_DIR / "queries").glob("*.sql"))
    assert len(files) >= 3
    for path in files:
        text = path.read_text()
        assert text.startswith("-- "), f"{path.name} needs a header comment"
        with engine.connect() as conn:
            conn.exec_driver_sql("set role finrisk_analyst")
            rows = conn.exec_driver_sql(text.replace("%", "%%")).all()
            conn.rollback()
        if path.stem in ("why_band_e", "band_distribution_over_time", "model_lineage", "drift_today"):
            assert rows, path.name
    with engine.connect() as conn:
        conn.exec_driver_sql("set role finrisk_analyst")
        why = conn.exec_driver_sql((SQL_DIR / "queries" / "why_band_e.sql").read_text()).mappings().all()
        riskiest = conn.exec_driver_sql(
            "select customer_id from risk.risk_scores where score_date = (select max(score_date) from risk.risk_scores)"
            " order by pd_12m desc, customer_id limit 1"
        ).scalar_one()
    # the query explains the riskiest customer of the latest date, without editing
    assert why[0]["customer_id"] == riskiest and why[0]["risk_band"] in "ABCDE"


def test_reason_codes_only_for_customers_at_or_above_the_configured_band(env):
    engine = _engine(env)
    everyone = env.model_copy(update={"scoring": env.scoring.model_copy(update={"reason_min_band": "A"})})
    score(everyone, D1)
    all_rows = _rows(engine, "select risk_band, reason_codes from risk.risk_scores where score_date = :d", d=D1)
    assert sum(1 for r in all_rows if r["reason_codes"]) > len(all_rows) // 2

    cutoffs = [0.2, 0.4, 0.6, 0.999]  # almost nobody reaches band E
    only_e = env.model_copy(
        update={
            "scoring": env.scoring.model_copy(
                update={"reason_min_band": "E", "band_cutoffs": cutoffs, "audit_band_min_rows": 10**6}
            )
        }
    )
    score(only_e, D1)
    rows = _rows(engine, "select risk_band, reason_codes from risk.risk_scores where score_date = :d", d=D1)
    assert len(rows) == len(all_rows)
    assert all(r["reason_codes"] == [] for r in rows if r["risk_band"] != "E")
    assert all(r["reason_codes"] for r in rows if r["risk_band"] == "E")


def test_band_share_audit_blocks_by_default_and_can_publish_flagged(env):
    engine = _engine(env)
    everyone_e = {"band_cutoffs": [1e-9, 2e-9, 3e-9, 4e-9], "audit_band_min_rows": 1, "reason_codes": 0}
    blocked = env.model_copy(update={"scoring": env.scoring.model_copy(update=everyone_e)})
    with pytest.raises(FinriskError, match=r"nothing published: band A holds 0\.00%.*_ACTION"):
        score(blocked, D1)
    assert _rows(engine, "select count(*) as n from risk.risk_scores where score_date = :d", d=D1)[0]["n"] == 0

    flagged = env.model_copy(
        update={"scoring": env.scoring.model_copy(update={**everyone_e, "audit_band_action": "flag"})}
    )
    result = score(flagged, D1)
    assert result.status == "published"
    bands = {
        r["feature"]: r
        for r in _rows(
            engine,
            """select feature, value, is_flagged from risk.score_monitoring
        where score_date = :d and metric = 'band_share'""",
            d=D1,
        )
    }
    assert bands["E"]["value"] == 1.0 and bands["E"]["is_flagged"]
    assert bands["A"]["value"] == 0.0 and bands["A"]["is_flagged"]
