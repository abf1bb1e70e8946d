"""Bank-shaped records nobody here designed: 45 keys, numbers as strings, currency strings, mostly-null
columns, high-cardinality categories, yes/no booleans. The fused model trains on them and beats LR."""

from __future__ import annotations

from staging_rows import customer, insert
from test_train import tiny_args

from finrisk.config import GateSettings
from finrisk.demo.bank_shaped import bank_rows
from finrisk.training.train import train_model


def _bank(conn, n: int = 800, seed: int = 3) -> None:
    customers, outcomes = bank_rows(n, seed)
    insert(conn, "customers", [customer(row.pop("customer_id"), row.pop("updated_at"), **row) for row in customers])
    insert(conn, "credit_outcomes", outcomes)


def test_bank_shaped_records_train_and_beat_lr(settings, engine):
    with engine.begin() as conn:
        _bank(conn)
    lenient = settings.model_copy(update={"gate": GateSettings(min_auc=0.0, max_calibration_error=1.0)})
    result = train_model(lenient, "credit", tiny_args(settings, wide_features=2**14, head_epochs=30))
    assert result.fit["tabular_columns"] > 45  # 45 keys discovered: numbers, indicators, one-hot, hashed
    lr = result.baselines["lr"]["auc"]
    assert result.metrics["auc"] > lr, (result.metrics["auc"], result.baselines)
    assert result.metrics["auc"] > 0.6  # it learns (the true model reaches about 0.75 on this small holdout)
