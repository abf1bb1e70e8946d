"""Registry client and manual promotion against an empty and a populated registry."""

from __future__ import annotations

import pytest
from staging_rows import build_dataset
from test_train import tiny_args

from finrisk.config import GateSettings
from finrisk.errors import FinriskError
from finrisk.registry.client import list_models, resolve_alias
from finrisk.registry.promote import promote, promotions
from finrisk.training.train import train_model


def test_empty_registry(settings):
    assert resolve_alias(settings, "credit", "champion") is None
    assert list_models(settings) == []
    with pytest.raises(FinriskError, match="no challenger"):
        promote(settings, "fraud")
    with pytest.raises(FinriskError, match="unknown"):
        resolve_alias(settings, "mortgage", "champion")


def test_promote_a_named_version_and_list(settings, engine):
    with engine.begin() as conn:
        build_dataset(conn, n_customers=120)
    manual = settings.model_copy(update={"gate": GateSettings(auto_promote=False)})
    first = train_model(manual, "news", tiny_args(settings, max_steps=3))
    second = train_model(manual, "news", tiny_args(settings, max_steps=3, seed=1))
    assert resolve_alias(settings, "news", "champion") is None
    assert first.decision.decision in ("challenger", "rejected")

    promote(settings, "news", version=1, actor="risk-officer")
    with pytest.raises(FinriskError, match="already champion"):
        promote(settings, "news", version=1)
    with pytest.raises(FinriskError, match="no version 9"):
        promote(settings, "news", version=9)
    rows = {r["version"]: r for r in list_models(settings)}
    assert rows["1"]["aliases"] == ["champion"] and rows["2"]["aliases"] == ["challenger"]
    assert rows[second.version]["macro_f1"] is not None
    audit = promotions(settings, "finrisk-news")
    assert audit[0]["actor"] == "risk-officer" and audit[0]["decision"] == "manual"
