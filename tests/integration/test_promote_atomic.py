"""Promotion never half-happens (issue 10, defect 4).

Before the fix, `finrisk promote credit` with the warehouse unreachable moved `champion` to
the gate-rejected version, deleted `challenger`, and wrote no audit row. Now what can fail
is checked first; the audit row is `pending` while aliases move and is settled from MLflow.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from finrisk.errors import FinriskError
from finrisk.models.specs import get_spec
from finrisk.registry import promote as promoting
from finrisk.registry.gate import GateDecision, apply
from finrisk.registry.promote import promote, promotions, settle_pending

NAME = "finrisk-credit"
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nowhere"


@pytest.fixture()
def registry(settings) -> MlflowClient:
    """Two versions of finrisk-credit without training: v1 champion, v2 a gate-rejected challenger."""
    client = MlflowClient(settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
    client.create_registered_model(NAME)
    for _ in range(2):
        client.create_model_version(NAME, source=(settings.data_path / "no-model").as_uri())
    client.set_registered_model_alias(NAME, "champion", "1")
    client.set_registered_model_alias(NAME, "challenger", "2")
    client.set_model_version_tag(NAME, "2", "gate_decision", "rejected")
    return client


def _aliases(client) -> dict:
    return {alias: str(v) for alias, v in client.get_registered_model(NAME).aliases.items()}


def _promoted(reason: str = "test") -> GateDecision:
    return GateDecision(passed=True, promote=True, decision="promoted", reasons=[reason], beats_baseline=True)


def test_promote_with_warehouse_unreachable_changes_nothing(settings, registry):
    down = settings.model_copy(update={"database_url": UNREACHABLE})
    with pytest.raises(FinriskError, match="nothing changed in MLflow"):
        promote(down, "credit")
    assert _aliases(registry) == {"champion": "1", "challenger": "2"}
    assert "promoted_by" not in registry.get_model_version(NAME, "2").tags
    assert promotions(settings, NAME) == []


def test_gate_apply_with_warehouse_unreachable_changes_nothing(settings, registry):
    down = settings.model_copy(update={"database_url": UNREACHABLE})
    with pytest.raises(FinriskError, match="nothing changed in MLflow"):
        apply(down, get_spec("credit"), "2", _promoted(), previous="1")
    assert _aliases(registry) == {"champion": "1", "challenger": "2"}
    assert registry.get_model_version(NAME, "2").tags["gate_decision"] == "rejected"
    assert promotions(settings, NAME) == []


def test_cli_promote_with_warehouse_unreachable(settings, registry):
    env = {**os.environ, "FINRISK_DATABASE_URL": UNREACHABLE, "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri}
    done = subprocess.run(
        [sys.executable, "-m", "finrisk.cli", "promote", "credit"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "nothing changed" in done.stderr.strip().splitlines()[-1]
    assert _aliases(registry) == {"champion": "1", "challenger": "2"}


def test_gate_apply_records_done(settings, registry):
    apply(settings, get_spec("credit"), "2", _promoted(), previous="1")
    assert _aliases(registry) == {"champion": "2"}
    [row] = promotions(settings, NAME)
    assert (row["version"], row["decision"], row["status"]) == ("2", "promoted", "done")
    assert row["completed_at"] is not None


def test_audit_lost_after_the_alias_moved_stays_pending_then_reconciles(settings, registry, monkeypatch):
    real = promoting._complete

    def warehouse_gone(conn, promotion_id, status):
        raise sa.exc.OperationalError("update", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(promoting, "_complete", warehouse_gone)
    with pytest.raises(FinriskError, match="still pending.*--reconcile"):
        promote(settings, "credit", actor="risk-officer")
    assert _aliases(registry) == {"champion": "2"}
    assert [r["status"] for r in promotions(settings, NAME)] == ["pending"]

    monkeypatch.setattr(promoting, "_complete", real)
    settled = settle_pending(settings, registry, NAME)
    assert [(r["version"], r["status"]) for r in settled] == [("2", "done")]
    assert [r["status"] for r in promotions(settings, NAME)] == ["done"]


def test_mlflow_failing_half_way_marks_the_row_failed(settings, registry, monkeypatch):
    def refuse(self, name, alias, version):
        raise MlflowException("registry is read-only right now")

    monkeypatch.setattr(MlflowClient, "set_registered_model_alias", refuse)
    with pytest.raises(MlflowException):
        promote(settings, "credit", actor="risk-officer")
    monkeypatch.undo()
    assert _aliases(registry) == {"champion": "1", "challenger": "2"}
    [row] = promotions(settings, NAME)
    assert (row["version"], row["status"]) == ("2", "failed")
    # and the next promotion goes through, audited done
    promote(settings, "credit", actor="risk-officer")
    assert [r["status"] for r in promotions(settings, NAME)] == ["done", "failed"]
