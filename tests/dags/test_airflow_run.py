"""Both DAGs run through Airflow (`airflow dags test`) on the test PostgreSQL with tiny models.

finrisk_train, then finrisk_nightly for a date: scores published and a champion in MLflow; a
second run of the date leaves identical rows; 3 shards publish the same rows as 1; the
morning summary reaches a webhook as JSON; a warehouse URL with a password never shows in a
task log or an alert.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from airflow_harness import DATES
from sqlalchemy.engine import make_url

PASSWORD = "s3cret-pw-7781"
PUBLISHED = (
    "select customer_id, round(pd_12m::numeric, 5) as pd, round(fraud_score::numeric, 5) as fraud, "
    "round(news_score::numeric, 5) as news, risk_band, credit_model_version, fraud_model_version, "
    "news_model_version from risk.risk_scores where score_date = :d order by customer_id"
)


def _published(site, day):
    with site.warehouse().connect() as conn:
        return conn.execute(sa.text(PUBLISHED), {"d": day}).all()


def _task_states(site, dag_id, day) -> dict[tuple[str, int], str]:
    """Task states of the latest run of a DAG for a logical date, from the Airflow metadata."""
    with site.metadata().connect() as conn:
        run_id = conn.execute(
            sa.text(
                "select run_id from dag_run where dag_id = :dag and logical_date::date = :d order by id desc limit 1"
            ),
            {"dag": dag_id, "d": day},
        ).scalar_one()
        rows = conn.execute(
            sa.text("select task_id, map_index, state from task_instance where dag_id = :dag and run_id = :run"),
            {"dag": dag_id, "run": run_id},
        ).all()
    return {(r.task_id, r.map_index): r.state for r in rows}


def _with_password(url: str) -> str:
    # the test server trusts loopback: the password is accepted and ignored, so the run succeeds
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def _all_logs(site) -> str:
    logs = [site.log_file.read_text()]
    logs += [p.read_text(errors="replace") for p in Path(site.env["AIRFLOW_HOME"]).rglob("*.log")]
    return "\n".join(logs)


def test_train_then_nightly_rerun_and_shards(trained_site, webhook):
    site, day = trained_site, DATES[0]
    states = _task_states(site, "finrisk_train", day)
    assert {states[(f"train_{m}", -1)] for m in ("credit", "fraud", "news")} == {"success"}

    site.run("finrisk_nightly", day)
    first = _published(site, day)
    assert first and len({r.customer_id for r in first}) == len(first)
    assert {(r.credit_model_version, r.fraud_model_version, r.news_model_version) for r in first} == {("1", "1", "1")}
    states = _task_states(site, "finrisk_nightly", day)
    assert states[("score_shard", 0)] == "success" and states[("send_morning_summary", -1)] == "success"

    from mlflow import MlflowClient

    client = MlflowClient(site.env["MLFLOW_TRACKING_URI"], registry_uri=site.env["MLFLOW_TRACKING_URI"])
    assert str(client.get_model_version_by_alias("finrisk-credit", "champion").version) == "1"

    # the same date again, with 3 shards, a password in both URLs and the summary on a webhook
    site.run(
        "finrisk_nightly",
        day,
        FINRISK_SCORING__SHARDS="3",
        FINRISK_DATABASE_URL=_with_password(site.env["FINRISK_DATABASE_URL"]),
        MLFLOW_TRACKING_URI=_with_password(site.env["MLFLOW_TRACKING_URI"]),
        FINRISK_ALERTS__CHANNEL="webhook",
        FINRISK_ALERTS__WEBHOOK_URL=webhook.url,
    )
    assert _published(site, day) == first
    states = _task_states(site, "finrisk_nightly", day)
    assert [states[("score_shard", i)] for i in range(3)] == ["success"] * 3

    [summary] = webhook.posts
    assert summary["kind"] == "morning_summary" and summary["score_date"] == day.isoformat()
    assert summary["rows_scored"]["credit"] == len(first)
    assert abs(sum(summary["band_shares"].values()) - 1.0) < 1e-3
    assert summary["model_versions"]["champion"] == {"credit": "1", "fraud": "1", "news": "1"}
    assert "airflow_run" in summary["links"] and "finrisk-credit/versions/1" in summary["links"]["mlflow_credit"]
    assert {"early_warnings", "drift_flags", "quarantined_rows", "previous_band_shares"} <= set(summary)

    logs = _all_logs(site)
    assert "morning summary" in logs
    assert PASSWORD not in logs and "hook-token-123" not in logs
    assert PASSWORD not in str(summary)


def test_next_day_has_a_previous_day_to_compare(trained_site):
    site = trained_site
    site.run("finrisk_nightly", DATES[0])
    site.run("finrisk_nightly", DATES[1])
    assert _published(site, DATES[1])
    with site.warehouse().connect() as conn:
        runs = conn.execute(
            sa.text("select count(*) from ops.scoring_runs where score_date = :d and status = 'failed'"),
            {"d": DATES[1]},
        ).scalar()
    assert runs == 0
