"""Four-eyes promotion wherever it happens (issue 23): a version that passes the gate waits for someone other
than its trainer; the approval (who, when, reason, gate verdict) is in ops.model_promotions and on the version;
a fairness breach stays challenger unless a person overrides it with a reason; an @champion moved through
MLflow's REST API is recorded and refused by the next night's resolve step."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from mlflow import MlflowClient

from finrisk import steps
from finrisk.config import ApprovalSettings, GateSettings
from finrisk.errors import FinriskError
from finrisk.models.specs import get_spec
from finrisk.registry.approval import approve
from finrisk.registry.gate import apply, decide
from finrisk.registry.promote import promotions

NAME = "finrisk-credit"
GOOD = {"auc": 0.8, "ece": 0.01}
BREACH = ["age_band=18-30 adverse ratio 1.90 [1.60, 2.20] vs 31-50 (n 500)"]


def _as(settings, user: str):
    """The same warehouse and registry, acting as `user`, four-eyes on."""
    return settings.model_copy(update={"approval": ApprovalSettings(required=True, user=user)})


def _trained(settings, client: MlflowClient, trainer: str, **gate) -> str:
    """A version registered and gated as training does (trained_by tag, the gate's tags and audit row)."""
    if not client.search_registered_models(f"name = '{NAME}'"):
        client.create_registered_model(NAME)
    version = str(client.create_model_version(NAME, source=(settings.data_path / "no-model").as_uri()).version)
    client.set_model_version_tag(NAME, version, "trained_by", trainer)
    decision = decide(GOOD, {"auc": 0.7}, None, GateSettings(), require_approval=True, **gate)
    apply(_as(settings, trainer), get_spec("credit"), version, decision, previous=None)
    return version


@pytest.fixture()
def client(settings) -> MlflowClient:
    return MlflowClient(settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)


def _aliases(client) -> dict:
    return {alias: str(v) for alias, v in client.get_registered_model(NAME).aliases.items()}


def test_a_passing_version_waits_and_its_trainer_cannot_approve_it(settings, client):
    version = _trained(settings, client, "ann")
    assert _aliases(client) == {"challenger": version}
    mv = client.get_model_version(NAME, version)
    assert mv.tags["gate_decision"] == "awaiting_approval" and mv.tags["gate_passed"] == "true"
    assert mv.description.startswith("Gate: awaiting_approval (passed: true)\n- ")

    with pytest.raises(FinriskError) as err:
        approve(_as(settings, "ann"), "credit", version, "looks fine")
    assert str(err.value) == f"{NAME} version {version} was trained by ann: someone else must approve it (four-eyes)"
    env = {
        **os.environ,
        "FINRISK_DATABASE_URL": settings.database_url,
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "FINRISK_APPROVAL__USER": "ann",
        "FINRISK_APPROVAL__REQUIRED": "true",
    }
    cli = [sys.executable, "-m", "finrisk.cli", "approve", "credit", version, "--reason", "mine"]
    done = subprocess.run(cli, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "was trained by ann: someone else must approve it" in done.stderr.strip().splitlines()[-1]
    assert _aliases(client) == {"challenger": version}

    result = approve(_as(settings, "bob"), "credit", version, "validated on the Q3 holdout")
    assert (result["approver"], result["trained_by"], result["gate_verdict"]) == ("bob", "ann", "awaiting_approval")
    assert _aliases(client) == {"champion": version}
    tags = client.get_model_version(NAME, version).tags
    assert tags["approved_by"] == "bob" and tags["approval_reason"] == "validated on the Q3 holdout"
    assert tags["approved_at"]
    assert "approved by bob at " in client.get_model_version(NAME, version).description
    latest, gated = promotions(settings, NAME)
    assert (latest["decision"], latest["actor"], latest["status"]) == ("approved", "bob", "done")
    assert (latest["reason"], latest["gate_verdict"], latest["trained_by"]) == (
        "validated on the Q3 holdout",
        "awaiting_approval",
        "ann",
    )
    assert latest["is_fairness_override"] is False and latest["promoted_at"] is not None
    assert (gated["decision"], gated["actor"], gated["trained_by"]) == ("awaiting_approval", "gate", "ann")
    assert steps.resolve_versions(_as(settings, "ops"))["champion"] == {"credit": version}


def test_a_fairness_breach_stays_challenger_unless_a_person_overrides_it(settings, client):
    version = _trained(settings, client, "ann", fairness_flags=BREACH, refuse_on_fairness=True)
    assert _aliases(client) == {"challenger": version}
    tags = client.get_model_version(NAME, version).tags
    assert tags["gate_decision"] == "challenger" and tags["gate_fairness_blocked"] == "true"
    with pytest.raises(FinriskError, match="held back by a fairness breach.*--override-fairness"):
        approve(_as(settings, "bob"), "credit", version, "ok")
    assert _aliases(client) == {"challenger": version}
    approve(
        _as(settings, "bob"),
        "credit",
        version,
        "age bands differ in true risk; counsel signed off",
        override_fairness=True,
    )
    assert _aliases(client) == {"champion": version}
    latest = promotions(settings, NAME)[0]
    assert latest["is_fairness_override"] is True and latest["gate_verdict"] == "challenger"
    assert any(r.startswith("fairness breach overridden") for r in latest["reasons"])
    assert client.get_model_version(NAME, version).tags["fairness_override"].startswith("by bob: age bands")


def test_an_alias_moved_through_the_rest_api_is_recorded_and_refused_by_the_night(settings, client, engine):
    first = _trained(settings, client, "ann")
    approve(_as(settings, "bob"), "credit", first, "first model")
    second = _trained(settings, client, "ann")
    client.set_registered_model_alias(NAME, "champion", second)  # what the MLflow UI does: REST, no audit

    night = _as(settings, "airflow")
    with pytest.raises(FinriskError) as err:
        steps.resolve_versions(night)
    assert str(err.value) == (
        f"{NAME} version {second} is @champion but was never approved (the alias was moved outside finrisk): "
        f"not scored; approve it with `finrisk approve credit {second} --reason ...` or move @champion back"
    )
    moved = promotions(settings, NAME)[0]
    assert (moved["decision"], moved["version"], moved["previous_version"]) == ("alias_moved", second, first)
    assert moved["actor"].startswith("outside finrisk") and moved["trained_by"] == "ann"
    with pytest.raises(FinriskError):  # the next night refuses again, without a second row
        steps.resolve_versions(night)
    with engine.connect() as conn:
        count = conn.execute(
            sa.text("select count(*) from ops.model_promotions where decision = 'alias_moved'")
        ).scalar_one()
    assert count == 1

    allowed = night.model_copy(update={"approval": ApprovalSettings(refuse_unapproved_champion=False)})
    assert steps.resolve_versions(allowed)["champion"] == {"credit": second}  # the setting allows it, said in the log

    approve(_as(settings, "bob"), "credit", second, "moved in the UI after review; recorded now")
    assert steps.resolve_versions(night)["champion"] == {"credit": second}


def test_the_quick_start_approves_as_its_named_demo_approver(settings, client):
    from finrisk import quickstart

    waiting = _trained(settings, client, "root")
    lines = []
    quickstart._approve_as_demo_approver(_as(settings, "root"), lines.append)
    assert lines == [f"  approved {NAME} v{waiting} as quickstart-demo-approver (trained by root)"]
    assert _aliases(client) == {"champion": waiting}
    assert promotions(settings, NAME)[0]["actor"] == quickstart.DEMO_APPROVER
    assert steps.resolve_versions(_as(settings, "airflow"))["champion"] == {"credit": waiting}


def test_an_approve_given_in_airflow_goes_through_the_same_checks_and_audit(settings, client):
    from finrisk.registry.approval import record_airflow_approval

    version = _trained(settings, client, "ann")

    def answer(user: str, reason: str = "reviewed the report") -> dict:
        return {
            "chosen_options": ["Approve"],
            "params_input": {"reason": reason},
            "responded_by_user": {"id": user, "name": user},
        }

    with pytest.raises(FinriskError, match="trained by ann: someone else must approve it"):
        record_airflow_approval(_as(settings, "airflow"), "credit", version, answer("ann"))
    with pytest.raises(FinriskError, match="needs a reason"):
        record_airflow_approval(_as(settings, "airflow"), "credit", version, answer("bob", reason=" "))
    done = record_airflow_approval(_as(settings, "airflow"), "credit", version, answer("bob"))
    assert done["approver"] == "bob" and _aliases(client) == {"champion": version}
    latest = promotions(settings, NAME)[0]
    assert (latest["decision"], latest["actor"], latest["reason"]) == (
        "approved",
        "bob",
        "reviewed the report (Airflow approval task)",
    )
