"""Failures through Airflow: the alert names the task and the reason, and nothing half-published."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from airflow_harness import DATES
from test_airflow_run import PASSWORD, _all_logs, _task_states

from finrisk.errors import FinriskError


def test_unreachable_warehouse_fails_after_retries_and_alerts(fresh_site, webhook):
    site, day = fresh_site, DATES[0]
    # the Airflow connection wins over FINRISK_DATABASE_URL (which still names the real warehouse)
    unreachable = f"postgres://finrisk:{PASSWORD}@127.0.0.1:1/finrisk"
    with pytest.raises(FinriskError, match="dags test finrisk_nightly"):
        site.run(
            "finrisk_nightly",
            day,
            AIRFLOW_CONN_FINRISK_WAREHOUSE=unreachable,
            FINRISK_ALERTS__CHANNEL="webhook",
            FINRISK_ALERTS__WEBHOOK_URL=webhook.url,
        )
    [alert] = webhook.posts  # one alert, after the retry, not one per try
    assert alert["kind"] == "task_failed"
    assert (alert["dag_id"], alert["task_id"], alert["logical_date"], alert["try_number"]) == (
        "finrisk_nightly",
        "check_migrations",
        day.isoformat(),
        2,
    )
    assert "127.0.0.1:1" in alert["reason"] and "unreachable" in alert["reason"] and "\n" not in alert["reason"]
    assert PASSWORD not in str(alert) and PASSWORD not in _all_logs(site)
    states = _task_states(site, "finrisk_nightly", day)
    assert states[("check_migrations", -1)] == "failed"
    assert states[("publish_scores", -1)] == "upstream_failed"
    with site.warehouse().connect() as conn:  # the real warehouse: nothing of that day published
        assert (
            conn.execute(sa.text("select count(*) from risk.risk_scores where score_date = :d"), {"d": day}).scalar()
            == 0
        )


def test_batch_level_validation_failure_stops_before_scoring(fresh_site, webhook):
    site, day = fresh_site, DATES[0]
    with site.warehouse().begin() as conn:  # a schema upstream did not agree to: a batch-level failure
        conn.exec_driver_sql("alter table staging.transactions add column surprise text")
    with pytest.raises(FinriskError):
        site.run("finrisk_nightly", day, FINRISK_ALERTS__CHANNEL="webhook", FINRISK_ALERTS__WEBHOOK_URL=webhook.url)
    [alert] = webhook.posts
    assert (alert["task_id"], alert["try_number"]) == ("validate_staging", 1)  # the data, not the link: no retry
    assert "staging.transactions" in alert["reason"] and "\n" not in alert["reason"]
    states = _task_states(site, "finrisk_nightly", day)
    assert states[("ingest_sources", -1)] == "success" and states[("validate_staging", -1)] == "failed"
    assert states[("resolve_versions", -1)] == "upstream_failed"
    assert states[("publish_scores", -1)] == "upstream_failed"
    with site.warehouse().connect() as conn:
        assert conn.execute(sa.text("select count(*) from ops.scoring_runs")).scalar() == 0
    assert "validate failed: staging.transactions" in _all_logs(site)
