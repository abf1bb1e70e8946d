"""Fraud trains for the population it scores: mature unlabelled transactions are genuine, immature ones wait,
sampled genuines are prior-corrected, and the alert figures describe all transactions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from mlflow import MlflowClient
from staging_rows import build_dataset, customer, insert, txn

from finrisk.config import TrainSettings
from finrisk.models.args import TrainArgs
from finrisk.models.specs import SPECS
from finrisk.training.train import train_model

UTC = UTC
AS_OF = date(2024, 6, 30)
END = datetime(2024, 7, 1, tzinfo=UTC)  # the end of AS_OF: the snapshot


def _plant(conn):
    insert(conn, "customers", [customer("C1", END - timedelta(days=400))])
    insert(
        conn,
        "transactions",
        [
            txn("m-fraud", "C1", END - timedelta(days=40), 800.0, "QuickGift"),
            txn("m-cleared", "C1", END - timedelta(days=40, hours=1), 20.0),
            txn("m-quiet", "C1", END - timedelta(days=35), 20.0),  # mature, never labelled: genuine
            txn("m-late-label", "C1", END - timedelta(days=33), 700.0, "QuickGift"),  # its label arrives after AS_OF
            txn("i-quiet", "C1", END - timedelta(days=5), 20.0),  # immature, unlabelled: not yet known to be genuine
            txn("i-fraud", "C1", END - timedelta(days=4), 900.0, "QuickGift"),  # immature: left out even if labelled
            txn("m-arrived-late", "C1", END - timedelta(days=40), 20.0, known_at=END + timedelta(days=2)),
        ],
    )
    insert(
        conn,
        "fraud_labels",
        [
            dict(txn_id="m-fraud", is_fraud=True, labeled_at=END - timedelta(days=30)),
            dict(txn_id="m-cleared", is_fraud=False, labeled_at=END - timedelta(days=30)),
            dict(txn_id="m-late-label", is_fraud=True, labeled_at=END + timedelta(days=3)),
            dict(txn_id="i-fraud", is_fraud=True, labeled_at=END - timedelta(days=1)),
        ],
    )


def test_label_rule_mature_unlabelled_is_genuine_immature_is_left_out(engine):
    with engine.begin() as conn:
        _plant(conn)
    spec = SPECS["fraud"]
    with engine.connect() as conn:
        population = {
            r.key: r.meta for r in spec.training_records(conn, AS_OF, {"maturity_days": 30, "genuine_target": 100})
        }
        labelled_only = {r.key: r.meta["label"] for r in spec.training_records(conn, AS_OF)}
        sampled = {
            r.key: r.meta for r in spec.training_records(conn, AS_OF, {"maturity_days": 30, "genuine_target": 1})
        }
    assert {k: m["label"] for k, m in population.items()} == {
        "m-fraud": 1,
        "m-cleared": 0,
        "m-quiet": 0,
        "m-late-label": 0,
    }  # point in time: the label came later
    assert all(m["sample_rate"] == 1.0 for m in population.values())
    assert {m["maturity_days"] for m in population.values()} == {20}  # 30 asked, capped at half the 40-day history
    assert labelled_only == {"m-fraud": 1, "m-cleared": 0, "i-fraud": 1}  # the old view, still there for features
    # Sampling keeps every fraud and genuines at rate 1/3 (target 1 of 3 mature genuines), recorded per row.
    assert sampled["m-fraud"]["sample_rate"] == 1.0
    assert all(m["sample_rate"] == 1 / 3 for k, m in sampled.items() if m["label"] == 0)
    assert len(sampled) < len(population)


def test_fraud_trained_on_the_population_predicts_its_fraud_rate(settings, engine):
    with engine.begin() as conn:
        build_dataset(conn, n_customers=150)
    train = TrainSettings(fraud_maturity_days=30, fraud_genuine_target=300)
    settings = settings.model_copy(update={"train": train})
    args = TrainArgs.from_settings(
        settings, base_model="tiny-random", max_steps=20, epochs=3, max_length=128, batch_size=16, learning_rate=1e-3
    )
    result = train_model(settings, "fraud", args)
    fp, pop = result.fingerprint, result.population
    assert 0 < fp["genuine_sample_rate"] < 1 and fp["prior_correction_logit"] < 0 and fp["maturity_days"] == 30
    # The sample is fraud-rich; the corrected probabilities match the (weighted) population's rate.
    sample_rate = fp["holdout"]["label_rate"]
    assert pop["population_fraud_rate"] < sample_rate
    assert abs(pop["population_mean_probability"] - pop["population_fraud_rate"]) < 0.3 * sample_rate
    assert {"alert_precision", "alert_recall", "alerts_per_day"} <= set(pop)
    assert pop["alert_threshold"] == settings.scoring.fraud_alert_threshold
    run = MlflowClient(settings.mlflow_tracking_uri).get_run(result.run_id)
    assert {"alert_precision", "alert_recall", "alerts_per_day", "population_mean_probability"} <= set(run.data.metrics)
    import mlflow

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    report = mlflow.artifacts.load_text(f"runs:/{result.run_id}/validation_report.html")
    assert "Alerts at the threshold" in report and f"version {result.version};" in report
    assert "genuine_sample_rate" in report


def test_prior_correction_restores_the_population_rate_on_overlapping_classes():
    # No database: a noisy problem where the model cannot separate the classes, so the correction must do the work.
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from finrisk.models.population import prior_shift, shift_probs

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200_000, 1))
    y = (rng.random(200_000) < 1 / (1 + np.exp(-(x[:, 0] - 4.5)))).astype(int)  # about 1.5% fraud
    rate = 0.05
    keep = (y == 1) | (rng.random(len(y)) < rate)
    model = LogisticRegression().fit(x[keep], y[keep])
    raw = model.predict_proba(x)
    corrected = shift_probs(raw, prior_shift(rate))
    assert raw[:, 1].mean() > 3 * y.mean()  # the sample's prior: far too many alerts
    assert abs(corrected[:, 1].mean() - y.mean()) < 0.1 * y.mean()
