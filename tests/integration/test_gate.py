"""The gate against a real registry: a worse challenger stays challenger, a floor blocks a first version."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from mlflow import MlflowClient
from staging_rows import build_dataset
from test_train import tiny_args

from finrisk.config import GateSettings
from finrisk.registry.client import resolve_alias
from finrisk.registry.promote import promotions
from finrisk.training.train import train_model


@pytest.fixture()
def dataset(engine):
    with engine.begin() as conn:
        return build_dataset(conn, n_customers=150)


def _flip_training_labels(engine) -> None:
    """Invert the labels of the older snapshots only: a model trained on them ranks the untouched holdout
    backwards. A fused model starts from its baseline, so a short or tiny-rate run is no longer "worse"."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "update staging.credit_outcomes set defaulted = not defaulted where snapshot_date < date '2024-09-01'"
            )
        )


def _first_may_lose_to_baseline(settings):
    # these tests are about the champion comparison; the baseline rule has its own (test_fusion_train.py)
    return settings.model_copy(update={"gate": settings.gate.model_copy(update={"require_beats_baseline": False})})


def test_worse_challenger_stays_challenger_and_is_audited(settings, dataset, engine):
    settings = _first_may_lose_to_baseline(settings)
    first = train_model(settings, "credit", tiny_args(settings))
    assert first.decision.decision == "promoted"
    _flip_training_labels(engine)  # the next version learns the wrong way round: clearly worse than the champion
    second = train_model(settings, "credit", tiny_args(settings, seed=7))
    assert second.champion_version == "1"
    assert second.champion_metrics["auc"] == pytest.approx(first.metrics["auc"], abs=1e-6)  # same holdout
    assert second.decision.decision == "rejected"
    assert resolve_alias(settings, "credit", "champion").version == "1"
    assert resolve_alias(settings, "credit", "challenger").version == "2"
    client = MlflowClient(settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
    tags = client.get_model_version("finrisk-credit", "2").tags
    assert tags["gate_decision"] == "rejected" and tags["gate_passed"] == "false" and tags["gate_reasons"]
    latest = promotions(settings, "finrisk-credit")[0]
    assert (latest["version"], latest["previous_version"], latest["decision"]) == ("2", "1", "rejected")


def test_better_challenger_replaces_champion(settings, dataset, engine):
    lenient = settings.model_copy(
        update={"gate": GateSettings(min_auc=0.0, max_calibration_error=1.0, require_beats_baseline=False)}
    )
    _flip_training_labels(engine)
    weak = train_model(lenient, "credit", tiny_args(settings, seed=7))
    assert weak.decision.decision == "promoted" and weak.decision.reasons[0] == "no champion yet"
    _flip_training_labels(engine)  # back to the truth
    strong = train_model(lenient, "credit", tiny_args(settings))
    assert strong.metrics["auc"] > strong.champion_metrics["auc"]
    assert strong.decision.decision == "promoted"
    assert resolve_alias(settings, "credit", "champion").version == strong.version == "2"
    assert resolve_alias(settings, "credit", "challenger") is None
    assert [p["decision"] for p in promotions(settings, "finrisk-credit")] == ["promoted", "promoted"]


def test_below_floor_without_champion_then_manual_promotion(settings, dataset):
    from finrisk.registry.promote import current_user, promote

    strict = settings.model_copy(update={"gate": GateSettings(min_auc=0.999)})
    result = train_model(strict, "credit", tiny_args(settings, max_steps=5))
    assert result.decision.decision == "rejected" and any("below floor" in r for r in result.decision.reasons)
    assert resolve_alias(settings, "credit", "champion") is None
    assert resolve_alias(settings, "credit", "challenger").version == "1"

    done = promote(settings, "credit")
    assert done["version"] == "1" and done["previous_version"] is None
    assert resolve_alias(settings, "credit", "champion").version == "1"
    latest = promotions(settings, "finrisk-credit")[0]
    assert (latest["decision"], latest["actor"]) == ("manual", current_user())
