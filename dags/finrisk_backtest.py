"""
### finrisk_backtest

**Schedule:** monthly at `FINRISK_AIRFLOW__BACKTEST_CRON` (default the 2nd at 05:00 UTC), one run
at a time. The tick carries a one-day data interval, so the run queued on the 2nd has logical date
the 1st and back-tests as of the 1st: outcomes known by the end of that day. `airflow dags test
finrisk_backtest D` and backfills back-test as of D.

**Steps:** `check_migrations` → `backtest_pds` (`finrisk.backtest.run.backtest_step`, what
`finrisk backtest --as-of D` does): the PDs published, per version, against the credit outcomes
that followed (the PD in force when each outcome's window opened); the champion scored point in
time on past snapshots when too few published PDs have outcomes yet; the band migration between
the first and last published dates; the fraud model's realised precision and recall on matured
labels; the realised AUC and default rate beside each night's estimate; the model cards.

**Inputs:** `risk.risk_scores`, `risk.transaction_scores`, `risk.fraud_alerts`, the clean credit
outcomes and fraud labels in `staging`, the `@champion` in MLflow. **Outputs:** `risk.backtest_runs`,
`risk.backtest_bands`, `risk.band_migrations`, `risk.fraud_backtests`, realised columns of
`risk.performance_estimates`, `risk.model_cards`; analysts read `risk.backtest_results`,
`risk.latest_backtests` and `risk.model_inventory`. Re-running a date replaces its rows.

**When it fails:** the alert names the task and a one-line reason (no outcomes and no champion to
score point in time, MLflow unreachable, warehouse unreachable). Nothing else depends on it: fix
the cause and clear the task.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import finrisk_defaults as defaults
from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task

CFG = defaults.parsed()


@dag(
    dag_id="finrisk_backtest",
    # the one-day interval makes the tick's logical date the day that ended (the 2nd 05:00 -> the 1st)
    schedule=CronTriggerTimetable(CFG.airflow.backtest_cron, timezone="UTC", interval=timedelta(days=1)),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=defaults.default_args(CFG),
    doc_md=__doc__,
    tags=["finrisk", "backtest", "model-risk"],
)
def finrisk_backtest():
    @task
    def backtest_pds() -> dict:
        from finrisk.backtest.run import backtest_step

        return defaults.call(backtest_step, defaults.settings(), defaults.run_date(get_current_context()))

    defaults.check_migrations() >> backtest_pds()


finrisk_backtest()
