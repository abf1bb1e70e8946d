"""
### finrisk_nightly

**Schedule:** daily at `FINRISK_AIRFLOW__NIGHTLY_CRON` (default 01:30 UTC); one run at a time.
**Run date: the day that ended.** Each run covers a data interval (`CronDataIntervalTimetable`):
the run queued at 01:30 on D covers D−1 01:30 → D 01:30, its logical date is D−1 01:30, and it
scores D−1. Every kind of run scores the date of its logical date: a backfill of logical dates
D1..D3 scores D1..D3, `airflow dags test finrisk_nightly D` and a manual run with logical date
D score D; a manual run without a logical date scores the day before it was queued. A backfill
of a past date re-scores that date only, reading data as known then; every step replaces the
date's rows, so a re-run leaves identical rows.

**Steps:** `check_migrations` → `ingest_sources` → `validate_staging` → `resolve_versions` →
`score_shard` (mapped over `FINRISK_SCORING__SHARDS` shards) → `publish_scores` →
`monitor_drift` → `signal_drift` (emits the drift Asset that starts `finrisk_train`) and
`send_morning_summary`; after the publish, `estimate_performance` stores the champion's estimated
AUC and default rate from its calibrated PDs (`risk.performance_estimates`, before outcomes arrive).

**Inputs:** `source.*` (upstream), the `@champion`/`@challenger` versions in MLflow, resolved
once per night and pinned for every shard and the publish (a promotion mid-night waits for
the next night).

**Outputs:** `staging.*`, `quality.*` (validation runs, quarantine, Data Docs), `risk.*`
(scores, alerts, monitoring), `ops.*` (run records), the morning summary on the alert channel.

**When it fails:** the alert names the task and a one-line reason.
- `check_migrations`/`ingest_sources` unreachable warehouse: fix the connection
  `finrisk_warehouse` (or `FINRISK_DATABASE_URL`), then clear the task.
- `validate_staging` batch-level failure (empty or collapsed critical batch, broken schema):
  nothing was scored; fix upstream, re-run the date. Quarantined rows alone do not stop it.
- `resolve_versions` no champion: run `finrisk_train` (or `finrisk train MODEL`).
- `score_shard`/`publish_scores`: nothing is half-published; clear the failed task to retry.
"""

from __future__ import annotations

from datetime import UTC, datetime

import finrisk_defaults as defaults
from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from finrisk import steps

CFG = defaults.parsed()
SHARDS = CFG.scoring.shards


@dag(
    dag_id="finrisk_nightly",
    # a data interval per night: the run queued at 01:30 on D has logical date D-1 01:30 and scores D-1
    schedule=CronDataIntervalTimetable(CFG.airflow.nightly_cron, timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=defaults.default_args(CFG),
    deadline=defaults.publish_deadline(CFG),  # scores due by publish_by (06:00 UTC); a late night alerts once
    doc_md=__doc__,
    tags=["finrisk", "nightly", "scoring"],
)
def finrisk_nightly():
    @task
    def resolve_versions() -> dict:
        # no champion at all is not cured by a retry; an unreachable registry is
        return defaults.call(steps.resolve_versions, defaults.settings())

    @task(map_index_template="{{ shard_label }}")
    def score_shard(index: int, count: int, versions: dict) -> dict:
        context = get_current_context()
        context["shard_label"] = f"shard {index + 1}/{count}"
        return defaults.call(steps.score_shard, defaults.settings(), defaults.run_date(context), index, count, versions)

    @task
    def publish_scores(versions: dict, shards: list) -> dict:
        return defaults.call(steps.publish, defaults.settings(), defaults.run_date(get_current_context()), versions)

    @task
    def monitor_drift(published: dict) -> dict:
        return defaults.call(steps.monitor, defaults.settings(), defaults.run_date(get_current_context()))

    @task
    def estimate_performance(published: dict) -> dict:
        from finrisk.backtest.run import estimate_night  # the champion's AUC and default rate before labels (CBPE)

        return defaults.call(estimate_night, defaults.settings(), defaults.run_date(get_current_context()))

    @task(outlets=[defaults.DRIFT], retries=0)
    def signal_drift(monitor: dict) -> dict:
        # models with material, persistent drift (spec keys; registered names are mapped)
        models, unknown = defaults.model_keys(monitor.get("drifted") or [])
        if unknown:
            defaults.log.warning("signal_drift: unknown model names ignored: %s", ", ".join(unknown))
        if not models:
            # a skipped task emits no Asset event: no retraining is triggered tonight
            raise AirflowSkipException("no model has material, persistent drift tonight: no drift Asset emitted")
        get_current_context()["outlet_events"][defaults.DRIFT].extra = {
            "models": models,
            "score_date": str(monitor["score_date"]),
        }
        defaults.log.info("drift Asset emitted for %s (score date %s)", ", ".join(models), monitor["score_date"])
        return {"drifted": models}

    @task
    def send_morning_summary(versions: dict, monitor: dict) -> dict:
        from finrisk.summary import links, morning_summary, send_summary

        context = get_current_context()
        cfg = defaults.settings()
        summary = defaults.call(
            morning_summary,
            cfg,
            defaults.run_date(context),
            versions,
            links(cfg, versions, context["dag"].dag_id, context["run_id"]),
        )
        summary["channel"] = defaults.call(send_summary, cfg, summary)
        return summary

    migrated = defaults.check_migrations()
    ingested = defaults.ingest_sources()
    validated = defaults.validate_staging()
    versions = resolve_versions()
    migrated >> ingested >> validated >> versions
    scored = score_shard.partial(count=SHARDS, versions=versions).expand(index=list(range(SHARDS)))
    published = publish_scores(versions, scored)
    monitored = monitor_drift(published)
    estimate_performance(published)
    signal_drift(monitored)
    send_morning_summary(versions, monitored)


finrisk_nightly()
