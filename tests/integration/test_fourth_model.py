"""Adding a model is one spec: a fourth model defined only here runs the whole path.

`watch` is a made-up model (a watch-list probability per customer) that exists only in this
module: its `ModelSpec` reuses the credit examples and features, and its `StageTarget` names its
own staging and published tables and its own SQL folder (written to a temporary folder). It is
trained, registered and gated, scored, published, monitored and summarised by finrisk's own
functions, with no edit to finrisk: the spec is the only place that says what differs.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from staging_rows import build_dataset

from finrisk.config import GateSettings, Settings
from finrisk.models.specs import SPECS, get_spec
from finrisk.models.targets import Scored, StageTarget

DAY = date(2024, 7, 1)
UTC = UTC

TABLES = """
create table risk_stage.watch_scores (
    run_id text not null, score_date date not null, customer_id text, watch_prob double precision,
    numeric_inputs jsonb, model_version text not null
);
create table risk.watch_scores (
    score_date date not null, customer_id text not null, watch_prob double precision not null,
    model_version text not null, run_id text not null, primary key (score_date, customer_id)
);
"""

SQL = {
    "clear": """
        delete from risk_stage.watch_scores s
        where (cast(:run_ids as text[]) is null and s.score_date = :score_date)
           or s.run_id = any(cast(:run_ids as text[]))""",
    "stats": """
        with staged as (select * from risk_stage.watch_scores where run_id = any(:run_ids))
        select count(*) as rows, count(distinct customer_id) as distinct_keys,
               count(*) filter (where customer_id is null) as null_keys,
               count(*) filter (where watch_prob is null or not (watch_prob between 0 and 1)) as bad_probs,
               0 as incomplete_rows
        from staged""",
    "summary": """
        select model_version, count(*) as rows, avg(watch_prob) as mean_prob
        from risk_stage.watch_scores where run_id = any(:run_ids) group by model_version""",
    "buckets": """
        with picked as (
            select case when cast(:feature as text) is null then watch_prob
                        else cast(numeric_inputs ->> cast(:feature as text) as double precision) end as value
            from risk_stage.watch_scores where run_id = any(:run_ids)
        )
        select width_bucket(value, cast(:thresholds as double precision[])) as bucket, count(*) as rows
        from picked where value is not null group by 1 order by 1""",
    "delete_day": "delete from risk.watch_scores where score_date = :score_date",
    "publish": """
        insert into risk.watch_scores (score_date, customer_id, watch_prob, model_version, run_id)
        select score_date, customer_id, watch_prob, model_version, run_id
        from risk_stage.watch_scores where run_id = any(:run_ids)""",
}


def _row(s: Scored, cfg) -> tuple:
    return (s.run_id, s.score_date, s.record.key, s.prob, s.record.meta.get("numeric") or {}, s.version)


def _watch_spec(sql_dir) -> object:
    for name, text in SQL.items():
        (sql_dir / f"{name}.sql").write_text(text)
    target = StageTarget(
        table="risk_stage.watch_scores",
        columns=("run_id", "score_date", "customer_id", "watch_prob", "numeric_inputs", "model_version"),
        row=_row,
        wants_reason=lambda prob, cfg: False,
        key_column="customer_id",
        prob_column="watch_prob",
        sql_dir=sql_dir,
        publishes=(("watch_scores", "publish"),),
    )
    return dataclasses.replace(
        SPECS["credit"], name="watch", registered_name="finrisk-watch", units="watched customers", target=target
    )


@pytest.fixture()
def watch(monkeypatch, tmp_path):
    """The fourth model, known to finrisk only for this test (as a bank's own spec module would add it)."""
    sql_dir = tmp_path / "watch_sql"
    sql_dir.mkdir()
    spec = _watch_spec(sql_dir)
    # the only model tonight: the three built-in ones have no champion in this registry and are skipped
    monkeypatch.setitem(SPECS, "watch", spec)
    return spec


def test_a_fourth_model_defined_only_in_a_spec_trains_scores_publishes_and_is_monitored(settings, engine, watch):
    from finrisk.models.args import TrainArgs
    from finrisk.registry.client import list_models, resolve_alias
    from finrisk.scoring.run import score
    from finrisk.summary import morning_summary, summary_text
    from finrisk.training.train import train_model

    lenient = GateSettings(min_auc=0.0, max_calibration_error=1.0, require_beats_baseline=False)
    settings = Settings(**{**settings.model_dump(), "gate": lenient})
    with engine.begin() as conn:
        build_dataset(conn, n_customers=80, seed=3)
        conn.exec_driver_sql(TABLES)
        now = datetime.now(UTC)
        conn.execute(
            sa.text(
                "insert into quality.validation_runs (run_id, run_date, suite, table_name, success, evaluated_rows,"
                " failed_rows, batch_failure, started_at, finished_at) "
                "select 'validate-watch', :d, t, t, true, 0, 0, null, :now, :now from unnest(cast(:tables as text[])) t"
            ),
            {"d": DAY, "now": now, "tables": [f"staging.{t}" for t in _ingested_tables()]},
        )

    assert get_spec("watch") is watch
    args = TrainArgs.from_settings(
        settings, base_model="tiny-random", max_steps=20, epochs=2, batch_size=16, max_length=96, eval_batch_size=64
    )
    trained = train_model(settings, "watch", args)
    assert trained.registered_name == "finrisk-watch" and trained.decision.decision == "promoted"
    assert resolve_alias(settings, "watch", "champion").version == trained.version
    listed = [r for r in list_models(settings) if r["name"] == "finrisk-watch"]
    assert listed and listed[0]["primary_metric"] == "auc" and listed[0]["primary"] is not None

    result = score(settings, DAY)
    assert result.status == "published" and result.versions == {"watch": trained.version}
    assert set(result.skipped) == {"credit", "fraud", "news"}
    assert result.counts["watch"] == 80 and "80 watched customers" in result.summary()

    with engine.connect() as conn:
        published = conn.execute(
            sa.text(
                "select count(*), min(watch_prob), max(watch_prob), max(model_version) from risk.watch_scores "
                "where score_date = :d"
            ),
            {"d": DAY},
        ).one()
        monitoring = {
            (r.metric, r.feature): r
            for r in conn.execute(
                sa.text(
                    "select metric, feature, value from risk.score_monitoring where model = 'finrisk-watch' "
                    "and score_date = :d and role = 'champion'"
                ),
                {"d": DAY},
            )
        }
        run = conn.execute(
            sa.text("select model_versions, model_counts, status from ops.scoring_runs where run_id = :r"),
            {"r": result.run_id},
        ).one()
        staged_left = conn.execute(sa.text("select count(*) from risk_stage.watch_scores")).scalar_one()
    assert published[0] == 80 and 0 <= published[1] <= published[2] <= 1 and published[3] == trained.version
    assert monitoring[("rows", "")].value == 80
    assert ("psi", "watch_prob") in monitoring and ("drift", "") in monitoring
    assert run.status == "published" and run.model_versions == {"watch": trained.version}
    assert run.model_counts == {"watch": 80}
    assert staged_left == 0  # the publish cleared the model's staging through its own clear.sql

    summary = morning_summary(settings, DAY, versions={"champion": result.versions})
    assert summary["rows_scored"]["watch"] == 80
    text = summary_text(summary)
    assert "80 watched customers" in text and "watch v" + trained.version in text
    assert json.loads(json.dumps(summary)) == summary  # JSON-safe for the alert channel

    again = score(settings, DAY)  # re-running the date replaces its rows, never duplicates them
    assert again.status == "published"
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from risk.watch_scores")).scalar_one() == 80


def _ingested_tables() -> tuple[str, ...]:
    from finrisk.ingest import TABLES as INGESTED

    return tuple(INGESTED)
