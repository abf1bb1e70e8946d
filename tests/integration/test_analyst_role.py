"""finrisk_analyst reads risk.* and the views, and is refused on source, staging and risk_stage."""

import pytest
import sqlalchemy as sa


def _as_analyst(engine, sql: str):
    with engine.connect() as conn:
        conn.exec_driver_sql("set role finrisk_analyst")
        try:
            return conn.execute(sa.text(sql)).all()
        finally:
            conn.rollback()


@pytest.mark.parametrize(
    "relation",
    [
        "risk.risk_scores",
        "risk.transaction_scores",
        "risk.fraud_alerts",
        "risk.news_signals",
        "risk.risk_alerts",
        "risk.challenger_scores",
        "risk.score_monitoring",
        "risk.latest_risk_scores",
        "risk.customer_risk_history",
        "risk.model_lineage",
    ],
)
def test_analyst_reads_risk_tables_and_views(engine, relation):
    assert _as_analyst(engine, f"select count(*) from {relation}") == [(0,)]


@pytest.mark.parametrize(
    "relation",
    [
        "source.customers",
        "staging.customers",
        "staging.clean_customers",
        "risk_stage.credit_scores",
        "ops.scoring_runs",
        "quality.quarantine",
    ],
)
def test_analyst_is_refused_on_source_and_staging(engine, relation):
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        _as_analyst(engine, f"select * from {relation} limit 1")


def test_analyst_cannot_write(engine):
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        _as_analyst(engine, "delete from risk.risk_scores")


def test_role_is_nologin_and_migration_is_idempotent(engine):
    from finrisk.db.migrate import upgrade

    assert upgrade(engine) == []
    with engine.connect() as conn:
        assert (
            conn.execute(sa.text("select rolcanlogin from pg_roles where rolname = 'finrisk_analyst'")).scalar()
            is False
        )
