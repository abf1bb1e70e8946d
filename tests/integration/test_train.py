"""Training end to end with a tiny random BERT: registry, aliases, pyfunc round trip, CLI, bad input."""

from __future__ import annotations

import json
from datetime import UTC, date

import mlflow
import pandas as pd
import pytest
import sqlalchemy as sa
from mlflow import MlflowClient
from staging_rows import build_dataset, customer, insert

from finrisk.errors import FinriskError
from finrisk.models.args import TrainArgs
from finrisk.registry.client import list_models, load_reference, load_scorer, resolve_alias
from finrisk.registry.promote import promotions
from finrisk.training.train import train_model

TINY = dict(base_model="tiny-random", max_steps=30, epochs=3, max_length=128, batch_size=16, learning_rate=1e-3)


def tiny_args(settings, **overrides) -> TrainArgs:
    return TrainArgs.from_settings(settings, **{**TINY, **overrides})


@pytest.fixture()
def dataset(engine):
    with engine.begin() as conn:
        return build_dataset(conn, n_customers=150)


def _registered(settings) -> list:
    return MlflowClient(
        settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri
    ).search_registered_models()


def test_credit_train_register_alias_and_load_by_champion(settings, dataset, engine):
    # The baseline rule has its own tests (test_fusion_train.py); here a first version must become champion.
    from finrisk.config import GateSettings

    settings = settings.model_copy(update={"gate": GateSettings(require_beats_baseline=False)})
    result = train_model(settings, "credit", tiny_args(settings))
    assert result.version == "1" and result.decision.decision == "promoted"
    assert result.metrics["auc"] > 0.7 and "baseline_auc" not in result.metrics
    assert {"auc", "gini", "ks", "pr_auc", "brier", "ece"} <= set(result.metrics)

    # Round trip: load by alias through plain MLflow and through the scorer interface.
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    model = mlflow.pyfunc.load_model("models:/finrisk-credit@champion")
    texts = ["segment: retail\nnotes: missed several payments", "segment: retail\nnotes: pays on time"]
    out = model.predict(pd.DataFrame({"text": texts}))
    assert list(out.columns) == ["prob_good", "prob_default"]
    assert out.sum(axis=1).round(6).tolist() == [1.0, 1.0]
    ref = resolve_alias(settings, "credit", "champion")
    assert ref.version == "1" and ref.run_id == result.run_id
    scorer = load_scorer(settings, ref)
    assert scorer.positive_index == 1
    assert scorer.predict_proba(texts).round(5).tolist() == out.to_numpy().round(5).tolist()
    reference = load_reference(settings, ref)
    assert sum(reference["score"]["shares"]) == pytest.approx(1.0) and "txn_count_90d" in reference["inputs"]

    # Run contents: metrics next to the baseline's, artifacts, and no personal data anywhere.
    client = MlflowClient(settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
    run = client.get_run(result.run_id)
    assert "baseline_auc" in run.data.metrics and "base_model_hash" in run.data.params
    artifacts = {a.path for a in client.list_artifacts(result.run_id)}
    assert {"validation_report.html", "reference.json", "plots", "calibration.json", "deciles.json"} <= artifacts
    plots = {a.path for a in client.list_artifacts(result.run_id, "plots")}
    assert {
        "plots/roc.png",
        "plots/precision_recall.png",
        "plots/calibration.png",
        "plots/score_distribution.png",
    } <= plots
    report = mlflow.artifacts.load_text(f"runs:/{result.run_id}/validation_report.html")
    everything = report + json.dumps(run.data.params) + json.dumps(run.data.tags)
    for private in ("missed several payments", "pays on time", "C0001", "Company A"):
        assert private not in everything
    assert "age_band" in report and "promoted" in report

    version = client.get_model_version("finrisk-credit", "1")
    assert version.tags["gate_decision"] == "promoted" and version.tags["beats_baseline"] in ("true", "false")
    [audit] = promotions(settings, "finrisk-credit")
    assert (audit["version"], audit["previous_version"], audit["decision"], audit["actor"]) == (
        "1",
        None,
        "promoted",
        "gate",
    )
    [row] = list_models(settings)
    assert row["aliases"] == ["champion"] and row["auc"]


@pytest.mark.parametrize("model", ["fraud", "news"])
def test_fraud_and_news_train_with_the_same_loop(settings, dataset, model):
    result = train_model(settings, model, tiny_args(settings, max_steps=20))
    assert result.version == "1"
    assert "pr_auc" in result.metrics
    if model == "news":
        assert {"accuracy", "macro_f1"} <= set(result.metrics)
        assert result.baseline_metrics["macro_f1"] > 0.5  # TF-IDF reads the sentiment words
    assert resolve_alias(settings, model, "champion" if result.decision.decision == "promoted" else "challenger")


def test_cli_train_prints_the_table_and_models_lists_it(settings, dataset, monkeypatch, capsys):
    from finrisk.cli import app
    from finrisk.config import get_settings

    monkeypatch.setenv("FINRISK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", settings.mlflow_tracking_uri)
    monkeypatch.setenv("FINRISK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FINRISK_TRAIN__LEARNING_RATE", "0.001")
    get_settings.cache_clear()
    try:
        app(
            ["train", "credit", "--max-steps", "10", "--base-model", "tiny-random", "--max-length", "96"],
            standalone_mode=False,
        )
        out = capsys.readouterr().out
        assert "finrisk-credit version 1" in out and "baseline" in out and "champion" in out and "gate:" in out
        app(["models"], standalone_mode=False)
        assert "finrisk-credit" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


def _one_line_error(settings, model="credit", **overrides) -> str:
    with pytest.raises(FinriskError) as info:
        train_model(settings, model, tiny_args(settings, **overrides))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_empty_data_is_one_line_and_nothing_registered(settings):
    assert "no training examples" in _one_line_error(settings)
    assert _registered(settings) == []


def test_single_class_is_one_line_and_nothing_registered(settings, engine):
    with engine.begin() as conn:
        build_dataset(conn, n_customers=40)
        conn.execute(sa.text("update staging.credit_outcomes set defaulted = false"))
    assert "single class" in _one_line_error(settings)
    assert _registered(settings) == []


def test_labels_for_unknown_customers_are_refused(settings, engine, dataset):
    with engine.begin() as conn:
        insert(conn, "credit_outcomes", [dict(customer_id="GHOST", snapshot_date=date(2024, 5, 1), defaulted=True)])
    assert "unknown customers (first: GHOST)" in _one_line_error(settings)
    assert _registered(settings) == []


def test_unreachable_tracking_server_fails_fast(settings, dataset):
    broken = settings.model_copy(update={"mlflow_tracking_uri": "http://127.0.0.1:1"})
    assert "http://127.0.0.1:1 is unreachable" in _one_line_error(broken)
    assert _registered(settings) == []


def test_missing_base_model_is_named(settings, dataset, tmp_path):
    missing = str(tmp_path / "no-such-model")
    message = _one_line_error(settings, base_model=missing)
    assert missing in message and "does not exist" in message
    assert _registered(settings) == []


def test_customer_unknown_at_snapshot_is_skipped_not_leaked(settings, engine):
    # A customer whose first version comes after the snapshot has nothing to read at that time.
    from datetime import datetime

    from finrisk.models.specs import SPECS

    with engine.begin() as conn:
        insert(conn, "customers", [customer("LATE", datetime(2024, 9, 1, tzinfo=UTC))])
        insert(conn, "credit_outcomes", [dict(customer_id="LATE", snapshot_date=date(2024, 5, 1), defaulted=True)])
    with engine.connect() as conn:
        assert SPECS["credit"].training_records(conn) == []
