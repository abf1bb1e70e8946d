"""The fused model against a real registry: round trip by alias to 1e-6, the gate's truth with no champion,
and training as of a date that cannot see rows known later."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from staging_rows import build_dataset, insert
from test_train import tiny_args

from finrisk.config import GateSettings
from finrisk.features.records import explained_fields
from finrisk.features.serialize import to_text
from finrisk.models.specs import SPECS, as_utc
from finrisk.models.split import split_by_time
from finrisk.models.tabular import raw_row
from finrisk.registry.client import load_scorer, resolve_alias
from finrisk.training.train import train_model

UTC = UTC


@pytest.fixture()
def dataset(engine):
    with engine.begin() as conn:
        return build_dataset(conn, n_customers=150)


def test_fused_model_loads_by_alias_and_predicts_what_it_had_in_training(settings, dataset, engine):
    args = tiny_args(settings, wide_features=2**12, head_epochs=5)
    result = train_model(settings, "credit", args)
    assert set(result.baselines) == {"lr", "hgb", "tfidf"} and result.best_baseline in result.baselines
    assert result.fit["step0_validation_auc"] <= result.fit["best_validation"]
    alias = "champion" if result.decision.decision == "promoted" else "challenger"
    ref = resolve_alias(settings, "credit", alias)
    assert ref.version == result.version

    with engine.connect() as conn:
        records = SPECS["credit"].training_records(conn)
    holdout = split_by_time(records, args.validation_share, args.holdout_share).holdout
    assert [r.key for r in holdout] == result.holdout_keys
    scorer = load_scorer(settings, ref)
    np.testing.assert_allclose(scorer.predict_records(holdout), result.holdout_probs, atol=1e-6)

    # plain MLflow by alias: the text and the raw attributes in, the same probabilities out
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    model = mlflow.pyfunc.load_model(f"models:/finrisk-credit@{alias}")
    frame = pd.DataFrame(
        {
            "text": [to_text(r.fields) for r in holdout],
            "features": [json.dumps(raw_row(r), default=str) for r in holdout],
        }
    )
    np.testing.assert_allclose(model.predict(frame).to_numpy(), result.holdout_probs, atol=1e-6)

    client = MlflowClient(settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
    run = client.get_run(result.run_id)
    assert {"baseline_lr_auc", "baseline_hgb_auc", "baseline_tfidf_auc", "step0_validation_auc"} <= set(
        run.data.metrics
    )
    assert run.data.params["recipe"] == "fused" and run.data.params["best_baseline"] == result.best_baseline


def test_first_version_that_does_not_beat_the_best_baseline_stays_challenger(settings, dataset):
    # A margin no model can clear: the first version must not become champion just because it is first.
    strict = settings.model_copy(update={"gate": GateSettings(baseline_margin=0.5)})
    result = train_model(strict, "credit", tiny_args(settings, wide_features=0, head_epochs=1))
    assert result.champion_version is None
    assert result.decision.decision == "challenger" and not result.decision.beats_baseline
    assert resolve_alias(settings, "credit", "champion") is None
    assert resolve_alias(settings, "credit", "challenger").version == result.version
    tags = (
        MlflowClient(settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
        .get_model_version("finrisk-credit", result.version)
        .tags
    )
    assert tags["gate_decision"] == "challenger" and "does not beat best baseline" in tags["gate_reasons"]


def test_training_as_of_a_date_reads_only_rows_known_by_then(settings, dataset, engine):
    # build_dataset's outcomes become known a year after their snapshot (2024 snapshots, known in 2025).
    cutoff = date(2025, 7, 15)
    with engine.begin() as conn:
        # planted: outcomes for known customers, snapshots inside the window, but only known after the cutoff
        late = datetime(2025, 9, 1, tzinfo=UTC)
        insert(
            conn,
            "credit_outcomes",
            [
                dict(customer_id=f"C{i:04d}", snapshot_date=date(2024, 2, 29), defaulted=i % 2 == 0, known_at=late)
                for i in range(30)
            ],
        )
    with engine.connect() as conn:
        everything = SPECS["credit"].training_records(conn)
        known = SPECS["credit"].training_records(conn, as_of=cutoff)
    planted = datetime(2024, 2, 29, tzinfo=UTC)
    assert sum(as_utc(r.meta["time"]) == planted for r in everything) == 30
    assert not any(as_utc(r.meta["time"]) == planted for r in known)
    end = datetime(2025, 7, 16, tzinfo=UTC) - timedelta(days=365)
    assert known and all(as_utc(r.meta["time"]) <= end for r in known)

    result = train_model(settings, "credit", tiny_args(settings, wide_features=0, head_epochs=1), as_of=cutoff)
    assert result.fingerprint["as_of"] == "2025-07-15" and result.fingerprint["rows"] == len(known) < len(everything)
    assert result.fingerprint["holdout"]["to"] <= end.isoformat()
    run = MlflowClient(settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri).get_run(result.run_id)
    assert run.data.params["as_of"] == "2025-07-15" and run.data.params["data_rows"] == str(len(known))


def test_fused_reason_codes_run_the_encoder_once_per_record(settings, dataset, engine, monkeypatch):
    """Scoring a fused model's block embeds each record once; its occluded variants reuse that vector and get
    exactly the probabilities of the head on the variant's tabular vector, tree and n-grams."""
    from finrisk.config import ScoringSettings
    from finrisk.models import fusion
    from finrisk.models.tabular import occluded_record
    from finrisk.scoring import stage

    result = train_model(settings, "credit", tiny_args(settings, wide_features=2**12, head_epochs=3))
    scorer = load_scorer(
        settings, resolve_alias(settings, "credit", "champion") or resolve_alias(settings, "credit", "challenger")
    )
    assert scorer.reuses_embeddings and result.version
    with engine.connect() as conn:
        records = SPECS["credit"].training_records(conn)[:40]
    calls = []
    real_embed = fusion.embed
    monkeypatch.setattr(
        fusion,
        "embed",
        lambda enc, tok, texts, *a, **k: calls.append(len(texts)) or real_embed(enc, tok, texts, *a, **k),
    )
    embeddings = scorer.embed_records(records)
    adverse = stage._adverse_records(scorer, records, 16, embeddings)
    cfg = ScoringSettings(reason_codes=4, reason_max_fields=16)
    reasons = stage._explain_some(
        records, adverse, list(range(len(records))), stage._explainer(scorer, 16, embeddings), cfg, with_profile=True
    )
    assert calls == [len(records)]  # the encoder ran once over the block, never per occluded field
    assert any(reasons) and all(r is not None for r in reasons)
    np.testing.assert_allclose(adverse, scorer.predict_records(records)[:, 1], atol=1e-6)
    # a reason's contribution is the PD drop of that field left out, the record's encoder vector held fixed
    i = next(k for k, r in enumerate(reasons) if r)
    code = reasons[i][0]
    left_out = {item["input"] for item in code["inputs"]}
    dropped = {k: v for k, v in explained_fields(records[i]).items() if k not in left_out}
    variant = occluded_record(records[i], dropped)
    p = scorer.predict_records([variant], 16, embeddings[[i]])[0, 1]
    assert code["contribution"] == pytest.approx(adverse[i] - p, rel=1e-5, abs=1e-9)
