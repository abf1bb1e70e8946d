"""The real packaged all-MiniLM-L6-v2, fine-tuned for a few steps on small data with real signal."""

from __future__ import annotations

import pytest
from staging_rows import build_dataset

from finrisk.models.args import TrainArgs
from finrisk.training.train import train_model


@pytest.mark.slow
def test_minilm_fine_tune_clears_an_auc_floor(settings, engine):
    with engine.begin() as conn:
        build_dataset(conn, n_customers=260, seed=3)
    args = TrainArgs.from_settings(
        settings,
        base_model=None,
        max_steps=24,
        epochs=2,
        batch_size=16,
        max_length=96,
        learning_rate=1e-4,
        eval_every=12,
        eval_batch_size=64,
    )
    result = train_model(settings, "credit", args)
    assert result.metrics["auc"] >= 0.75, result.metrics
    assert result.fingerprint["holdout"]["rows"] >= 40
    assert result.version == "1"
