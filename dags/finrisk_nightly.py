"""
### finrisk_nightly

**Schedule:** daily at `FINRISK_AIRFLOW__NIGHTLY_CRON` (default 01:30 UTC), for its logical date;
one run at a time. A backfill of a past date re-scores that date only, reading data as known
then; every step replaces the date's rows, so a re-run leaves identical rows.

**Steps:** `check_migrations` → `ingest_sources` → `validate_staging` → `resolve_versions` →
`score_shard` (mapped over `FINRISK_SCORING__SHARDS` shards) → `publish_scores` →
`monitor_drift` → `signal_drift` (emits the drift Asset that starts `finrisk_train`) and
`send_morning_summary`.

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

from datetime import datetime, timezone

from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

import finrisk_defaults as d
from finrisk import steps

CFG = d.parsed()
SHARDS = CFG.scoring.shards


@dag(
    dag_id="finrisk_nightly",
    schedule=CronTriggerTimetable(CFG.airflow.nightly_cron, timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args=d.default_args(CFG),
    doc_md=__doc__,
    tags=["finrisk", "nightly", "scoring"],
)
def finrisk_nightly():
    @task
    def resolve_versions() -> dict:
        # no champion at all is not cured by a retry; an unreachable registry is
        return d.call(steps.resolve_versions, d.settings())

    @task(map_index_template="{{ shard_label }}")
    def score_shard(index: int, count: int, versions: dict) -> dict:
        context = get_current_context()
        context["shard_label"] = f"shard {index + 1}/{count}"
        return d.call(steps.score_shard, d.settings(), d.run_date(context), index, count, versions)

    @task
    def publish_scores(versions: dict, shards: list) -> dict:
        return d.call(steps.publish, d.settings(), d.run_date(get_current_context()), versions)

    @task
    def monitor_drift(published: dict) -> dict:
        return d.call(steps.monitor, d.settings(), d.run_date(get_current_context()))

    @task(outlets=[d.DRIFT], retries=0)
    def signal_drift(monitor: dict) -> dict:
        if not monitor["drifted"]:
            raise AirflowSkipException("no model's PSI crossed the threshold")
        get_current_context()["outlet_events"][d.DRIFT].extra = {"score_date": monitor["score_date"],
                                                                  "models": monitor["drifted"]}
        return {"drifted": monitor["drifted"]}

    @task
    def send_morning_summary(versions: dict, monitor: dict) -> dict:
        from finrisk.summary import links, morning_summary, send_summary

        context = get_current_context()
        cfg = d.settings()
        summary = d.call(morning_summary, cfg, d.run_date(context), versions,
                         links(cfg, versions, context["dag"].dag_id, context["run_id"]))
        summary["channel"] = d.call(send_summary, cfg, summary)
        return summary

    migrated = d.check_migrations()
    ingested = d.ingest_sources()
    validated = d.validate_staging()
    versions = resolve_versions()
    migrated >> ingested >> validated >> versions
    scored = score_shard.partial(count=SHARDS, versions=versions).expand(index=list(range(SHARDS)))
    published = publish_scores(versions, scored)
    monitored = monitor_drift(published)
    signal_drift(monitored)
    send_morning_summary(versions, monitored)


finrisk_nightly()
