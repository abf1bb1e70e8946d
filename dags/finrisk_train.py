"""
### finrisk_train

**Schedule:** weekly at `FINRISK_AIRFLOW__TRAIN_CRON` (default Sunday 03:00 UTC), and whenever
`finrisk_nightly` emits the drift Asset `finrisk://risk/score_monitoring/drift` (only on a night
when a model's drift is material and persistent; the event's extra names the models). One run at a time.
**What a run trains:** the weekly (cron) run and a manual run train every model; a run
triggered by drift events trains only the models those events name (the union over the events
the run consumed), and the other `train_*` tasks show as skipped. `choose_models` logs which
models and why.
**Run date: the day that ended**, as for `finrisk_nightly`. The weekly tick carries a one-day
data interval, so the run queued Sunday 03:00 has logical date Saturday 03:00 and trains as of
Saturday; a drift-triggered run (no logical date) uses the day before it was queued, which is
the night that flagged the drift; `airflow dags test finrisk_train D` and backfills use D.

**Steps:** `check_migrations` → `ingest_sources` → `validate_staging` (the run date's batch,
as `finrisk_nightly` stages it; re-running a date replaces its batch) → `choose_models`, then
`train_credit`, `train_fraud`, `train_news` in parallel (those chosen),
each on the Celery queue `gpu` in the Airflow pool `gpu` (its size bounds the training jobs
sharing the card). Each training reads only rows known by the run
date (`as_of`), fine-tunes, evaluates against the baselines and the champion on the same
holdout, registers a version in MLflow and applies the promotion gate (`@champion` or
`@challenger`), exactly as `finrisk train MODEL` does. `FINRISK_TRAIN__POLICY=never` turns
training off.

**Inputs:** `source.*`, and the `staging.*` clean views as of the run date. **Outputs:** MLflow runs and registered
versions `finrisk-credit|fraud|news`, gate tags, `ops.model_promotions`.

**When it fails:** the alert names the model's task and a one-line reason (no training data,
a single class, MLflow unreachable, the base model missing). The other models are unaffected;
the current champions keep scoring. Fix the cause and clear the task. A version that passes the
gate waits for someone other than its trainer: `finrisk approve MODEL VERSION --reason ...`. An
alias moved in the MLflow UI is recorded and refused by the next night until approved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import finrisk_defaults as defaults
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, get_current_context, task

from finrisk import steps
from finrisk.models.specs import MODELS

CFG = defaults.parsed()


@dag(
    dag_id="finrisk_train",
    schedule=AssetOrTimeSchedule(
        # the one-day interval makes the tick's logical date the day that ended (Sunday 03:00 -> Saturday)
        timetable=CronTriggerTimetable(CFG.airflow.train_cron, timezone="UTC", interval=timedelta(days=1)),
        assets=[defaults.DRIFT],
    ),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=defaults.default_args(CFG),
    doc_md=__doc__,
    tags=["finrisk", "training", "gpu"],
)
def finrisk_train():
    @task.branch(retries=0)
    def choose_models() -> list[str]:
        """The drift events that triggered this run name the models to retrain; no event: every model."""
        context = get_current_context()
        events = context["triggering_asset_events"].get(defaults.DRIFT, [])
        models, why = defaults.models_to_train([event.extra for event in events])
        skipped = [m for m in MODELS if m not in models]
        defaults.log.info(
            "training %s; skipping %s: %s", ", ".join(models) or "nothing", ", ".join(skipped) or "nothing", why
        )
        return [f"train_{model}" for model in models]

    def train_task(model: str):
        @task(task_id=f"train_{model}", **defaults.gpu_task(CFG))
        def train() -> dict:
            return defaults.call(steps.train, defaults.settings(), model, defaults.run_date(get_current_context()))

        trained = train()
        if CFG.approval.airflow_task:  # off by default: `airflow dags test` (the quick start) would wait for a person
            approval_tasks(model, trained)
        return trained

    staged = defaults.check_migrations() >> defaults.ingest_sources() >> defaults.validate_staging()
    staged >> choose_models() >> [train_task(model) for model in MODELS]


def approval_tasks(model: str, trained) -> None:
    """needs_approval_MODEL (the gate passed) -> approve_MODEL (Approve/Reject with a reason, in the Airflow UI)
    -> record_approval_MODEL (finrisk.registry.approval: not the trainer, audited, tagged, champion moved)."""
    from airflow.providers.standard.operators.hitl import ApprovalOperator
    from airflow.sdk import Param

    @task.short_circuit(task_id=f"needs_approval_{model}", retries=0)
    def needs_approval(result: dict) -> bool:
        return result.get("decision") == "awaiting_approval"

    ask = ApprovalOperator(
        task_id=f"approve_{model}",
        subject=f"Approve {model} version {{{{ ti.xcom_pull(task_ids='train_{model}')['version'] }}}} as champion?",
        body="The gate passed it; its MLflow version page shows the gate's reasons and the fairness check. "
        "Someone other than its trainer approves, with a reason.",
        params={"reason": Param("", type="string", minLength=1, description="why it may go live (audited)")},
        response_timeout=timedelta(days=CFG.approval.airflow_wait_days),
        retries=0,
    )

    @task(task_id=f"record_approval_{model}", retries=0)
    def record_approval(result: dict, response: dict) -> dict:
        from finrisk.registry.approval import record_airflow_approval

        return defaults.call(record_airflow_approval, defaults.settings(), model, result["version"], response)

    needs_approval(trained) >> ask
    record_approval(trained, ask.output)


finrisk_train()
