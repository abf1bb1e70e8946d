"""A fairness breach found in training is kept as challenger (issue 23): the production defaults on, a data set
where every risky customer is in one age band (the model never reads age; income and notes stand in for it),
then the run's metrics, its tags, the version's tags and description and the report all tell the same story,
and only a second person's recorded override makes it champion."""

from __future__ import annotations

import json

import mlflow.artifacts
import sqlalchemy as sa
from mlflow import MlflowClient
from staging_rows import build_dataset
from test_train import tiny_args

from finrisk.config import ApprovalSettings, GateSettings
from finrisk.registry.approval import approve
from finrisk.registry.client import resolve_alias
from finrisk.training.train import train_model


def test_a_breach_is_kept_as_challenger_and_report_metrics_and_tags_agree(settings, engine):
    with engine.begin() as conn:
        build_dataset(conn, n_customers=150)
        conn.execute(
            sa.text(
                "update staging.customers set profile = jsonb_set(profile, '{age_band}', "
                "to_jsonb(case when notes like 'missed%' then '18-30' else '51+' end))"
            )
        )
    lenient = GateSettings(min_auc=0.0, max_calibration_error=1.0, require_beats_baseline=False)
    ann = settings.model_copy(update={"gate": lenient, "approval": ApprovalSettings(required=True, user="ann")})
    assert ann.fairness.gate_refuse  # the production default
    result = train_model(ann, "credit", tiny_args(ann))
    assert result.decision.decision == "challenger" and result.decision.fairness_blocked
    assert resolve_alias(ann, "credit", "champion") is None
    assert resolve_alias(ann, "credit", "challenger").version == result.version

    client = MlflowClient(ann.mlflow_tracking_uri, registry_uri=ann.mlflow_tracking_uri)
    run = client.get_run(result.run_id)
    metrics, run_tags = run.data.metrics, run.data.tags
    mv = client.get_model_version("finrisk-credit", result.version)
    assert metrics["fairness_breaches"] >= 1 and run_tags["fairness_status"] == mv.tags["fairness_status"] == "breach"
    breaches = run_tags["fairness_breaches"].split("; ")
    assert (
        len(breaches) == metrics["fairness_breaches"] and mv.tags["fairness_breaches"] == run_tags["fairness_breaches"]
    )
    assert (
        int(run_tags["fairness_flagged_groups"]) == metrics["fairness_flagged_groups"] >= metrics["fairness_breaches"]
    )
    notes = [] if run_tags["fairness_warnings"] == "none" else run_tags["fairness_warnings"].split("; ")
    assert len(notes) == metrics["fairness_warnings"]
    assert all(line.startswith("age_band=") for line in breaches)
    assert mv.tags["trained_by"] == "ann" and mv.tags["gate_fairness_blocked"] == "true"
    assert mv.description.startswith("Gate: challenger (passed: false)")
    assert f"fairness: {len(breaches)} protected group(s) outside the four-fifths band: {breaches[0]}" in mv.description

    report = mlflow.artifacts.load_text(f"runs:/{result.run_id}/validation_report.html")
    assert "Fairness: adverse ratio per protected group with its bootstrap interval" in report
    assert f"<b>{int(metrics['fairness_flagged_groups'])} protected group(s) outside the four-fifths band</b>" in report

    segments = json.loads(mlflow.artifacts.load_text(f"runs:/{result.run_id}/segments.json"))
    ages = [r for r in segments if r["attribute"] == "age_band"]
    assert ages and all("reference" in r and "ratio_low" in r for r in ages)
    assert sum(r["flag"] == "outside four-fifths band" for r in ages) == metrics["fairness_breaches"]

    bob = ann.model_copy(update={"approval": ApprovalSettings(required=True, user="bob")})
    approve(bob, "credit", result.version, "bands differ in true risk; counsel reviewed", override_fairness=True)
    assert resolve_alias(bob, "credit", "champion").version == result.version
