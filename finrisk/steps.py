"""The nightly and training steps as the scheduler runs them: one plain function per task.

Each takes the settings and a run date (plus small references such as pinned model versions)
and returns a small JSON-safe dict, so an Airflow task can hand it on through XCom. Nothing
here knows about Airflow; the DAG files in dags/ only wire these together. Heavy libraries
(torch, transformers, mlflow, great_expectations) are imported inside the functions, so
importing this module while a DAG file is parsed stays cheap.
"""

from __future__ import annotations

import logging
from datetime import date

from finrisk.config import Settings
from finrisk.features.records import check_shard
from finrisk.models.specs import get_spec
from finrisk.progress import emit

log = logging.getLogger(__name__)


def check_migrations(settings: Settings) -> dict:
    """Apply pending warehouse migrations (idempotent); fails when the warehouse is unreachable."""
    from finrisk.db.engine import describe, get_engine, warehouse_url
    from finrisk.db.migrate import current_version, upgrade

    engine = get_engine(settings)
    applied = upgrade(engine)
    out = {"applied": applied, "version": current_version(engine), "warehouse": describe(warehouse_url(settings))}
    log.info("migrations: %d applied, warehouse %s at version %s", len(applied), out["warehouse"], out["version"])
    return out


def ingest(settings: Settings, run_date: date) -> dict:
    """Move the run date's new source rows into staging.* (re-running the date replaces its batch)."""
    from finrisk.ingest import run_ingest

    result = run_ingest(settings, run_date)
    log.info("ingest %s: %d rows into staging.* (run %s)", run_date, result.total_rows, result.run_id)
    return {"run_id": result.run_id, "rows": result.rows, "total_rows": result.total_rows}


def validate(settings: Settings, run_date: date) -> dict:
    """Validate the date's batches; a batch-level failure raises a one-line FinriskError, bad rows are quarantined."""
    from finrisk.quality import run_validation

    report = run_validation(settings, run_date)
    failed = sorted(f"{t}: {label}" for t, r in report.tables.items() for label in r.failed_expectations)
    log.info("validate %s: %d failed expectations, %d rows quarantined", run_date, len(failed), report.quarantined_rows)
    return {
        "run_id": report.run_id,
        "failed_expectations": failed,
        "quarantined_rows": report.quarantined_rows,
        "data_docs": str(report.index_html),
    }


def resolve_versions(settings: Settings) -> dict:
    """Resolve @champion/@challenger once for the night: {"champion": {...}, "challenger": {...}}."""
    from finrisk.registry.approval import check_champions
    from finrisk.scoring.models import resolve_versions as resolve

    versions = resolve(settings)
    check_champions(settings, versions)  # a @champion moved outside finrisk is recorded, and refused unless approved
    log.info("versions for tonight: champion %s, challenger %s", versions.get("champion"), versions.get("challenger"))
    return versions


def score_shard(settings: Settings, run_date: date, index: int, count: int, versions: dict | None) -> dict:
    """Score shard index/count of the date into the staging area with the pinned versions."""
    from finrisk.scoring.run import score

    check_shard(index, count)

    def progress(model: str, records: int) -> None:  # the quick start's progress bar reads these events
        emit("scored", model=model, records=records)

    result = score(settings, run_date, shard=(index, count), progress=progress, versions=versions)
    return {
        "run_id": result.run_id,
        "status": result.status,
        "shard": [index, count],
        "counts": result.counts,
        "versions": result.versions,
        "summary": result.summary(),
    }


def publish(settings: Settings, run_date: date, versions: dict | None) -> dict:
    """Audit and publish every staged shard of the date into risk.*, atomically, with the pinned versions."""
    from finrisk.scoring.run import publish as publish_day

    result = publish_day(settings, run_date, versions=versions)
    return {
        "run_id": result.run_id,
        "status": result.status,
        "rows_published": result.rows_published,
        "versions": result.versions,
        "challenger_versions": result.challenger_versions,
        "summary": result.summary(),
    }


def monitor(settings: Settings, run_date: date) -> dict:
    """The date's drift status per model from risk.score_monitoring.

    `drifted` lists the spec keys ("credit") whose drift has persisted: the score's PSI above
    scoring.psi_threshold, on a sufficient sample, on monitoring.drift_persist_nights published
    nights in a row ending at run_date. `watch` and `insufficient` list tonight's other findings;
    `drift_nights` is each model's count of such nights so far.
    """
    from finrisk.db.engine import get_engine
    from finrisk.monitoring.signals import drift_status

    persist = settings.monitoring.drift_persist_nights
    with get_engine(settings).connect() as conn:
        status = drift_status(conn, run_date, persist)
    today = {
        m: {
            "status": s["status"],
            "score_psi": s["score_psi"],
            "rows": s["detail"].get("rows"),
            "is_flagged": s["is_flagged"],
            "drift_nights": s["drift_nights"],
            "model_version": s["model_version"],
            "inputs_over_threshold": s["detail"].get("inputs_over_threshold", []),
        }
        for m, s in status.items()
        if s["score_date"] == run_date
    }
    drifted = sorted(m for m, s in status.items() if s["persistent"])
    watch = sorted(m for m, s in today.items() if s["status"] == "watch")
    insufficient = sorted(m for m, s in today.items() if s["status"] == "insufficient_sample")
    log.info(
        "monitor %s: drift %s (score PSI over %.2f on %d nights in a row); watch %s; insufficient sample %s",
        run_date,
        ", ".join(drifted) or "none",
        settings.scoring.psi_threshold,
        persist,
        ", ".join(watch) or "none",
        ", ".join(insufficient) or "none",
    )
    return {
        "score_date": run_date.isoformat(),
        "drift": today,
        "drifted": drifted,
        "watch": watch,
        "insufficient": insufficient,
        "drift_nights": {m: s["drift_nights"] for m, s in today.items()},
        "persist_nights": persist,
        "psi_threshold": settings.scoring.psi_threshold,
        "watch_threshold": settings.monitoring.watch_threshold,
    }


def train(settings: Settings, model: str, run_date: date) -> dict:
    """Train one model as of the run date (rows known by then), register it and apply the gate."""
    from finrisk.dates import require_run_date

    require_run_date(settings, run_date)
    spec = get_spec(model)
    if settings.train.policy == "never":
        log.info("train %s: skipped, FINRISK_TRAIN__POLICY=never", model)
        return {"model": model, "skipped": "FINRISK_TRAIN__POLICY=never"}
    from finrisk.models.args import TrainArgs
    from finrisk.training.train import train_model

    args = TrainArgs.from_settings(settings)
    result = train_model(settings, model, args, as_of=run_date)
    key = spec.primary_metric  # the metric the gate compares
    emit(
        "trained",
        model=result.registered_name,
        version=result.version,
        metric=key,
        value=float(result.metrics[key]),
        decision=result.decision.decision,
    )
    return {
        "model": model,
        "registered_name": result.registered_name,
        "version": result.version,
        "run_id": result.run_id,
        "metric": key,
        "value": float(result.metrics[key]),
        "baseline": float(result.baseline_metrics.get(key, float("nan"))),
        "decision": result.decision.decision,
        "as_of": run_date.isoformat(),
    }
