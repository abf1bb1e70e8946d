"""The main job end to end: demo data -> ingest -> validate -> train -> score -> published risk.*."""

from datetime import date

import sqlalchemy as sa

from finrisk.config import GateSettings, TrainSettings
from finrisk.pipeline import DemoOptions, run_nightly

RUN_DATE = date(2026, 3, 31)


def test_nightly_runs_end_to_end_and_reruns_without_duplicates(settings, engine):
    # tiny random encoder and open floors: this test is about the plumbing, not model quality
    settings = settings.model_copy(
        update={
            "base_model": "tiny-random",
            "train": TrainSettings(max_steps=4, batch_size=16, max_length=64, epochs=1),
            # a tiny random encoder does not beat the baselines: the gate is opened for the plumbing
            "gate": GateSettings(
                min_auc=0.0, min_macro_f1=0.0, max_calibration_error=1.0, require_beats_baseline=False
            ),
        }
    )
    first = run_nightly(settings, RUN_DATE, DemoOptions(customers=400, days=30, seed=3))
    assert any(line.startswith("train finrisk-credit") for line in first.lines)
    assert "data_docs" in first.where and first.where["data_docs"].endswith("index.html")

    with engine.connect() as conn:
        customers = conn.execute(sa.text("select count(*) from source.customers")).scalar()
        scores = conn.execute(
            sa.text(
                "select count(*), count(distinct customer_id), min(pd_12m), max(pd_12m) "
                "from risk.risk_scores where score_date = :d"
            ),
            {"d": RUN_DATE},
        ).one()
        versions = conn.execute(
            sa.text(
                "select distinct credit_model_version, fraud_model_version, news_model_version "
                "from risk.risk_scores where score_date = :d"
            ),
            {"d": RUN_DATE},
        ).all()
    assert customers == 400
    assert scores[0] == scores[1] > 0
    assert 0.0 <= scores[2] <= scores[3] <= 1.0
    assert versions == [("1", "1", "1")]

    # the second night of the same date trains nothing new and replaces, never duplicates
    second = run_nightly(settings, RUN_DATE, DemoOptions(customers=400, days=30, seed=3))
    assert not any(line.startswith("train ") for line in second.lines)
    with engine.connect() as conn:
        again = conn.execute(
            sa.text("select count(*) from risk.risk_scores where score_date = :d"), {"d": RUN_DATE}
        ).scalar()
        staged = conn.execute(sa.text("select count(*) from staging.customers")).scalar()
    assert again == scores[0]
    assert staged == 400
