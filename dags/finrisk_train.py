"""
### finrisk_train

**Schedule:** weekly at `FINRISK_AIRFLOW__TRAIN_CRON` (default Sunday 03:00 UTC), and whenever
`finrisk_nightly` flags drift (the Asset `finrisk://risk/score_monitoring/drift`, emitted when
a champion's PSI crosses `FINRISK_SCORING__PSI_THRESHOLD`). One run at a time.
**Run date: the day that ended**, as for `finrisk_nightly`. The weekly tick carries a one-day
data interval, so the run queued Sunday 03:00 has logical date Saturday 03:00 and trains as of
Saturday; a drift-triggered run (no logical date) uses the day before it was queued, which is
the night that flagged the drift; `airflow dags test finrisk_train D` and backfills use D.

**Steps:** `check_migrations` → `ingest_sources` → `validate_staging` (the run date's batch,
as `finrisk_nightly` stages it; re-running a date replaces its batch), then `train_credit`, `train_fraud`,
`train_news` in parallel,
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
the current champions keep scoring. Fix the cause and clear the task. Manual promotion stays
possible at any time: move the `champion` alias in MLflow (or `finrisk promote`).
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
    def train_task(model: str):
        @task(task_id=f"train_{model}", **defaults.gpu_task(CFG))
        def train() -> dict:
            return defaults.call(steps.train, defaults.settings(), model, defaults.run_date(get_current_context()))

        return train()

    staged = defaults.check_migrations() >> defaults.ingest_sources() >> defaults.validate_staging()
    staged >> [train_task(model) for model in MODELS]


finrisk_train()
