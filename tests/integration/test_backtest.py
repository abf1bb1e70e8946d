"""`finrisk backtest` on a small warehouse: published PDs against the outcomes that followed.

Two published nights of 600 hand-made credit scores (bands from the cut-offs) and the customers'
outcomes drawn at their PD, except band D, which really defaults at three times its PD: the table
must light band D red with its sample beside it, the whole sample's figures must be stored, the night's
CBPE estimate must get its realised AUC, the band migration and the fraud model's realised precision and
recall must be stored, and the analyst must read it all through the views, the model inventory included.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime

import numpy as np
import pytest
import sqlalchemy as sa
from staging_rows import insert

from finrisk.bands import risk_band

NIGHTS = (date(2026, 3, 1), date(2026, 3, 2))
CUSTOMERS = 600


def _plant(engine, cutoffs) -> None:
    rng = np.random.default_rng(5)
    pds = np.exp(rng.uniform(np.log(0.005), np.log(0.4), CUSTOMERS))
    scores, outcomes = [], []
    for night in NIGHTS:
        pds = np.clip(pds * np.exp(rng.normal(0, 0.15, CUSTOMERS)), 0.001, 0.9)
        for i, pd in enumerate(pds):
            scores.append(
                {
                    "d": night,
                    "c": f"c{i}",
                    "p": float(pd),
                    "b": risk_band(pd, cutoffs),
                    "at": datetime(2026, 3, 3, tzinfo=UTC),
                }
            )
    # each customer's 12-month window opens on the second night: the PD in force is that night's
    for i, pd in enumerate(pds):
        truth = pd * 3 if risk_band(pd, cutoffs) == "D" else pd
        outcomes.append({"customer_id": f"c{i}", "snapshot_date": NIGHTS[1], "defaulted": bool(rng.random() < truth)})
    with engine.begin() as conn:
        conn.execute(
            sa.text("""
            insert into risk.risk_scores (score_date, customer_id, pd_12m, fraud_score, news_score, score_points,
                risk_band, credit_model_version, fraud_model_version, news_model_version, run_id, scored_at)
            values (:d, :c, :p, 0, 0, 600, :b, '3', '2', '1', 'run-planted', :at)"""),
            scores,
        )
        insert(conn, "credit_outcomes", outcomes)
        conn.execute(
            sa.text("""
            insert into ops.scoring_runs (run_id, score_date, step, status, started_at, model_versions,
                challenger_versions)
            values ('run-planted', :d, 'score', 'published', now(), '{"credit": "3", "fraud": "2", "news": "1"}',
                '{"credit": "4"}')"""),
            {"d": NIGHTS[1]},
        )
        conn.execute(
            sa.text("""insert into ops.model_promotions (model, version, decision, actor, status)
                values ('finrisk-credit', '3', 'promoted', 'gate', 'done'),
                       ('finrisk-credit', '4', 'challenger', 'gate', 'pending')""")
        )
        conn.execute(  # the approval of v3 by a second person, an hour before the promotion row (migration 140)
            sa.text("""insert into ops.model_promotions (model, version, decision, actor, status, reason, gate_verdict,
                trained_by, promoted_at) values ('finrisk-credit', '3', 'approved', 'validator-2', 'done',
                'back-test green, reasons reviewed', 'awaiting_approval', 'trainer-1', now() - interval '1 hour')""")
        )
        # fraud: 40 transactions on the first night, 10 alerted, 6 of them and 2 others confirmed fraud
        txns = [
            {"d": NIGHTS[0], "t": f"t{i}", "at": datetime(2026, 3, 1, 12, tzinfo=UTC), "p": 0.9 if i < 10 else 0.1}
            for i in range(40)
        ]
        conn.execute(
            sa.text("""insert into risk.transaction_scores (score_date, txn_id, occurred_at, fraud_prob, model_version,
                run_id) values (:d, :t, :at, :p, '2', 'run-planted')"""),
            txns,
        )
        conn.execute(
            sa.text("""insert into risk.fraud_alerts (score_date, txn_id, occurred_at, fraud_prob, threshold, reason,
                model_version, run_id) values (:d, :t, :at, :p, 0.5, 'planted', '2', 'run-planted')"""),
            txns[:10],
        )
        labels = [f"t{i}" for i in (0, 1, 2, 3, 4, 5, 20, 21)]
        insert(
            conn,
            "fraud_labels",
            [{"txn_id": t, "is_fraud": True, "labeled_at": datetime(2026, 3, 10, tzinfo=UTC)} for t in labels],
        )


def _finrisk(settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FINRISK_DATABASE_URL": settings.database_url,
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "FINRISK_DATA_DIR": str(settings.data_path),
        "FINRISK_BACKTEST__BOOTSTRAP_SAMPLES": "100",
    }
    return subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture()
def planted(settings, engine):
    _plant(engine, settings.scoring.band_cutoffs)
    return engine


def test_backtest_lights_the_understated_band_and_stores_every_figure_with_its_sample(settings, planted):
    from finrisk.backtest.run import estimate_night

    estimate = estimate_night(settings, NIGHTS[1])
    assert estimate["estimates"]["3"]["observations"] == CUSTOMERS

    done = _finrisk(settings, "backtest", "--as-of", "2027-04-01", "--source", "published")
    assert done.returncode == 0, done.stderr[-3000:]
    console = done.stdout
    assert "finrisk-credit v3 (published" in console and "light red" in console, console
    assert "band migration 2026-03-01 -> 2026-03-02: 600 customers" in console, console
    assert "precision 0.600 (6/10 alerts), recall 0.750 (6/8 frauds) on 40 matured transactions" in console, console

    with planted.connect() as conn:
        conn.exec_driver_sql("set role finrisk_analyst")  # everything below is what an analyst can read
        rows = {
            r.risk_band: r
            for r in conn.execute(sa.text("select * from risk.backtest_results where source = 'published'"))
        }
        assert rows["all"].observations == CUSTOMERS
        assert rows["D"].light == "red" and rows["D"].observed_rate > 2 * rows["D"].mean_pd
        assert rows["D"].jeffreys_p < settings.backtest.red_p
        assert sum(r.observations for b, r in rows.items() if b != "all") == CUSTOMERS
        run = conn.execute(sa.text("select * from risk.latest_backtests where source = 'published'")).one()
        assert run.light == "red" and 0.5 < run.auc_low < run.auc < run.auc_high and run.hl_dof >= 4
        assert run.defaults == rows["all"].defaults and 0.2 <= run.hhi <= 1
        assert (run.period_start, run.period_end) == (
            NIGHTS[1],
            date(2027, 4, 1),
        )  # from the earliest snapshot compared
        night = conn.execute(
            sa.text("select * from risk.performance_estimates where score_date = :d"), {"d": NIGHTS[1]}
        ).one()
        assert night.realised_observations == CUSTOMERS and night.realised_auc_low <= night.realised_auc
        assert night.estimated_auc > 0.5 and night.expected_default_rate > 0
        cells = conn.execute(sa.text("select sum(customers) from risk.band_migrations")).scalar()
        assert cells == CUSTOMERS
        inventory = {r.model: r for r in conn.execute(sa.text("select * from risk.model_inventory"))}
        assert set(inventory) == {"credit", "fraud", "news"}
        credit = inventory["credit"]
        assert credit.champion_version == "3" and credit.challenger_version == "4"
        assert credit.last_backtest_light == "red" and credit.owner and credit.limitations
        [approval] = credit.approvals  # migration 141: who approved which version, why, on what verdict
        assert (approval["version"], approval["by"], approval["reason"]) == (
            "3",
            "validator-2",
            "back-test green, reasons reviewed",
        )
        assert approval["gate_verdict"] == "awaiting_approval" and approval["fairness_override"] is False
        assert inventory["fraud"].approvals is None
        assert (credit.last_decided_version, credit.last_decision) == ("3", "promoted")  # the pending row is not done
        conn.rollback()

    # a re-run of the same back-test replaces its rows
    again = _finrisk(settings, "backtest", "--as-of", "2027-04-01", "--source", "published")
    assert again.returncode == 0, again.stderr[-3000:]
    with planted.connect() as conn:
        assert conn.execute(sa.text("select count(*) from risk.backtest_runs")).scalar() == 1
        assert conn.execute(sa.text("select count(*) from risk.fraud_backtests")).scalar() == 1


def test_backtest_before_any_outcome_says_so_in_one_line(settings, planted):
    done = _finrisk(settings, "backtest", "--as-of", "2026-02-01", "--source", "published")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "no PD back-test" in done.stdout
    bad = _finrisk(settings, "backtest", "--source", "sideways")
    assert (
        bad.returncode == 1
        and bad.stderr.strip() == "finrisk: error: --source 'sideways' is not one of auto, published, point-in-time"
    )


def test_a_version_with_no_published_history_is_backtested_point_in_time(settings, engine):
    """A tiny credit champion scored on its past snapshots as they were known, through the scoring path."""
    from mlflow import MlflowClient
    from staging_rows import build_dataset

    from finrisk.backtest.run import backtest
    from finrisk.config import GateSettings
    from finrisk.models.args import TrainArgs
    from finrisk.training.train import train_model

    with engine.begin() as conn:
        build_dataset(conn, n_customers=150)
    settings = settings.model_copy(update={"gate": GateSettings(require_beats_baseline=False)})
    args = TrainArgs.from_settings(
        settings, base_model="tiny-random", max_steps=10, epochs=1, max_length=96, batch_size=16, learning_rate=1e-3
    )
    trained = train_model(settings, "credit", args)

    report = backtest(settings, date(2026, 1, 1))  # no published PDs: auto falls back to point in time
    [bt] = report.backtests
    assert bt.key["source"] == "point_in_time" and bt.key["model_version"] == trained.version
    assert bt.comparison.overall.observations == 150 and bt.in_sample == 150  # trained on every one of them
    assert sum(c.observations for c in bt.comparison.bands) == 150
    with engine.connect() as conn:
        row = conn.execute(sa.text("select * from risk.latest_backtests where source = 'point_in_time'")).one()
    assert row.observations == 150 and row.in_sample_observations == 150 and row.auc is not None
    tags = (
        MlflowClient(settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
        .get_model_version("finrisk-credit", trained.version)
        .tags
    )
    assert tags["backtest_light"] == row.light and "point_in_time" in tags["backtest"]
