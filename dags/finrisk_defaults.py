"""Shared wiring for the finrisk DAGs: settings, default arguments, the failure alert, the drift Asset.

Not a DAG file (.airflowignore skips it). Importing it is cheap: finrisk.config, finrisk.steps
and the Airflow task SDK, no torch, pandas, mlflow or great_expectations, and no query.

Where the URLs come from: the Airflow connections `finrisk_warehouse` and `finrisk_mlflow`
when they exist (UI, secrets backend or `AIRFLOW_CONN_FINRISK_WAREHOUSE` /
`AIRFLOW_CONN_FINRISK_MLFLOW`), else `FINRISK_DATABASE_URL` and `MLFLOW_TRACKING_URI`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from airflow.sdk import Asset, AsyncCallback, DeadlineAlert, DeadlineReference, get_current_context, task
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from finrisk.config import Settings, psycopg2_url
from finrisk.errors import FinriskError

log = logging.getLogger("finrisk.dags")

WAREHOUSE_CONN_ID = "finrisk_warehouse"
MLFLOW_CONN_ID = "finrisk_mlflow"
GPU_POOL = "gpu"
GPU_QUEUE = "gpu"
# Emitted by finrisk_nightly's signal_drift when a model's drift is material and persistent, with
# extra {"models": [spec keys], "score_date": ...}; finrisk_train runs on it and retrains only those.
DRIFT = Asset(
    "finrisk://risk/score_monitoring/drift",
    group="finrisk",
    extra={"table": "risk.score_monitoring", "metric": "drift"},
)


def parsed() -> Settings:
    """Settings read while a DAG file is parsed: values only (retries, schedules, shards), no query.

    Tasks read their own at run time (`settings()`), where the Airflow connections apply.
    """
    return Settings()


def model_keys(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Model names as spec keys ("credit"), registered names ("finrisk-credit") mapped; (known, unknown).

    Known keys come once each, in the order of the built-in models.
    """
    from finrisk.models.specs import SPECS

    by_name = {key: key for key in SPECS} | {spec.registered_name: key for key, spec in SPECS.items()}
    found = {by_name[str(name)] for name in names if str(name) in by_name}
    unknown = sorted({str(name) for name in names if str(name) not in by_name})
    return [key for key in SPECS if key in found], unknown


def models_to_train(drift_extras: Iterable[Mapping] | None) -> tuple[list[str], str]:
    """Which models a finrisk_train run trains, and why (one line for the task log).

    `drift_extras`: the extra of each drift Asset event that triggered the run (none for the
    weekly cron or a manual run). No event: every model. Events: the union of their "models"
    (spec keys or registered names); an event that names no models (e.g. emitted by hand without
    an extra) stands for every model.
    """
    from finrisk.models.specs import SPECS

    extras = list(drift_extras or [])
    if not extras:
        return list(SPECS), "not triggered by drift (weekly schedule or manual run): every model"
    named: list[str] = []
    for extra in extras:
        models = extra.get("models") if isinstance(extra, Mapping) else None
        if not isinstance(models, list | tuple):
            return list(SPECS), f"a drift event names no models ({len(extras)} event(s)): every model"
        named.extend(str(m) for m in models)
    keys, unknown = model_keys(named)
    dates = sorted({str(e["score_date"]) for e in extras if e.get("score_date")})
    why = f"drift in {', '.join(keys) or 'no known model'} ({len(extras)} event(s)"
    why += f", score dates {', '.join(dates)})" if dates else ")"
    if unknown:
        why += f"; unknown model names ignored: {', '.join(unknown)}"
    return keys, why


def _conn_url(conn_id: str) -> str | None:
    """The URL of an Airflow connection, or None when it is not defined."""
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception:  # not defined anywhere: the FINRISK_* environment decides
        return None
    return psycopg2_url(conn.get_uri())


def settings() -> Settings:
    """finrisk settings for a running task: FINRISK_* environment, URLs from Airflow connections when set."""
    base = Settings()
    update = {}
    if url := _conn_url(WAREHOUSE_CONN_ID):
        update["database_url"] = url
    if url := _conn_url(MLFLOW_CONN_ID):
        update["mlflow_tracking_uri"] = url
    return base.model_copy(update=update) if update else base


def run_date(context) -> date:
    """The day a run scores: the date of its logical date (UTC), else the day before it was queued.

    The rule, the same for every kind of run (docs/operators.md, "Which day a run scores"):
    - scheduled: the logical date is the start of the day that ended. finrisk_nightly's data
      interval runs from D-1 01:30 to D 01:30, queued at D 01:30, logical date D-1 01:30 -> D-1;
      finrisk_train's weekly tick carries a one-day interval, so Sunday 03:00 -> Saturday;
    - backfilled, `airflow dags test DAG D`, manual with a logical date: that date, D;
    - no logical date (asset-triggered, manual without one): the day before `run_after`,
      the last day that ended when it was queued.
    """
    logical = context.get("logical_date")
    if logical is not None:
        return _utc(logical).date()
    return (_utc(context["dag_run"].run_after) - timedelta(days=1)).date()


def _utc(moment: datetime) -> datetime:
    """An aware moment in UTC (a naive one is taken as UTC, as Airflow stores them)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def call(step, *args, retry: bool = True, **kwargs):
    """Run one finrisk step; its FinriskError becomes a one-line task failure (retried only if `retry`)."""
    from finrisk.errors import one_line
    from finrisk.progress import emit

    try:
        return step(*args, **kwargs)
    except FinriskError as exc:
        reason = one_line(exc)
        name = getattr(step, "__name__", "step")
        log.error("%s failed: %s", name, reason)
        emit("step_failed", step=name, reason=reason)  # the quick start names it on its error line
        raise (AirflowException if retry else AirflowFailException)(reason) from None


def alert_on_failure(context) -> None:
    """Task failure callback: one alert naming the DAG, task, logical date, try and one-line reason."""
    from finrisk.alerts import failure_alert

    ti = context["ti"]
    cfg = settings()
    base = cfg.alerts.airflow_base_url.rstrip("/")
    failure_alert(
        cfg,
        ti.dag_id,
        ti.task_id,
        run_date(context).isoformat(),
        ti.try_number,
        str(context.get("exception") or "unknown error"),
        f"{base}/dags/{ti.dag_id}/runs/{ti.run_id}",
    )


def default_args(cfg: Settings) -> dict:
    """Owner, retries with exponential back-off, timeout and the failure alert, for every task."""
    a = cfg.airflow
    return {
        "owner": a.owner,
        "retries": a.retries,
        "retry_delay": timedelta(seconds=a.retry_delay_s),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(seconds=a.max_retry_delay_s),
        "execution_timeout": timedelta(seconds=a.task_timeout_s),
        "on_failure_callback": alert_on_failure,
    }


def gpu_task(cfg: Settings) -> dict:
    """Task arguments for a training job: the gpu queue and pool, its own timeout, one retry."""
    return {
        "queue": GPU_QUEUE,
        "pool": GPU_POOL,
        "pool_slots": 1,
        "retries": min(1, cfg.airflow.retries),
        "execution_timeout": timedelta(seconds=cfg.airflow.train_timeout_s),
    }


# The first steps both DAGs share: the warehouse schema, then the run date's batch staged and validated.
@task
def check_migrations() -> dict:
    """Apply pending warehouse migrations."""
    from finrisk import steps

    return call(steps.check_migrations, settings())


@task
def ingest_sources() -> dict:
    """Stage the run date's new source rows."""
    from finrisk import steps

    return call(steps.ingest, settings(), run_date(get_current_context()))


@task(retries=0)
def validate_staging() -> dict:
    """Validate the run date's batches; a batch-level failure is about the data, so no retry."""
    from finrisk import steps

    return call(steps.validate, settings(), run_date(get_current_context()), retry=False)


def publish_deadline(cfg: Settings) -> DeadlineAlert | None:
    """The nightly's Deadline Alert: due `publish_window(nightly_cron, publish_by)` after the run is queued.

    The run queued at the cron time (01:30) is due at publish_by (06:00); counted from queued_at, so a
    backfill of last month is not late the moment it is created. Its callback runs on the triggerer and
    sends one alert through finrisk's channel. None under `airflow dags test`: Airflow 3.3.2's DAG.test()
    exits 1 after a successful run of any DAG with a deadline (apache/airflow#73428, fix in PR #73430),
    and no scheduler watches a `dags test` run's deadline anyway.
    """
    from finrisk.dates import publish_window

    if sys.argv[1:3] == ["dags", "test"]:
        return None
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=publish_window(cfg.airflow.nightly_cron, cfg.airflow.publish_by),
        callback=AsyncCallback("finrisk.alerts.deadline_missed", kwargs={"publish_by": cfg.airflow.publish_by}),
    )
