"""Dead-end advice (issue 10, defect 10): after `drop schema risk` upgrade names what is gone and how to fix it.

Before the fix `finrisk db upgrade` answered "up to date" while every command asked to run it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from finrisk.db.migrate import upgrade
from finrisk.errors import FinriskError


def _cli(*args, url):
    env = {**os.environ, "FINRISK_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def _relations(conn) -> set[str]:
    return set(
        conn.execute(
            sa.text(
                "select schemaname || '.' || tablename from pg_tables where schemaname not in ('pg_catalog', "
                "'information_schema') "
                "union all select schemaname || '.' || viewname from pg_views where schemaname not in "
                "('pg_catalog', 'information_schema') "
                "union all select schemaname || '.' || indexname from pg_indexes where schemaname not in "
                "('pg_catalog', 'information_schema')"
            )
        ).scalars()
    )


def _grants(conn) -> set[tuple]:
    return set(
        conn.execute(
            sa.text(
                "select table_schema, table_name, privilege_type from information_schema.role_table_grants "
                "where grantee = 'finrisk_analyst'"
            )
        ).all()
    )


def test_dropped_schema_is_named_and_repair_rebuilds_it(db_url):
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        before, grants_before = _relations(conn), _grants(conn)
    with engine.begin() as conn:
        conn.exec_driver_sql("drop schema risk cascade")

    with pytest.raises(FinriskError, match=r"schema risk.* missing: run `finrisk db upgrade --repair`"):
        upgrade(engine)

    # the advice a command gives leads somewhere that works, from the CLI too
    failed = _cli("db", "upgrade", url=db_url)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    line = failed.stderr.strip().splitlines()[-1]
    assert "030_risk_outputs" in line and "--repair" in line and len(line) < 300

    repaired = _cli("db", "upgrade", "--repair", url=db_url)
    assert repaired.returncode == 0, repaired.stderr
    assert "re-created" in repaired.stdout and "risk.risk_scores" in repaired.stdout
    assert upgrade(engine) == []
    with engine.connect() as conn:
        assert _relations(conn) == before  # same tables, views and indexes (names included)
        assert _grants(conn) == grants_before  # the analyst can read the re-created tables again
    assert "nothing to repair" in _cli("db", "upgrade", "--repair", url=db_url).stdout
    engine.dispose()


def test_dropped_table_only_rebuilds_that_table(db_url):
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        before = _relations(conn)
        conn.exec_driver_sql("insert into source.news_labels (article_id, sentiment) values ('a1', 'neutral')")
        conn.exec_driver_sql("drop table staging.customers cascade")
    with pytest.raises(FinriskError, match=r"staging.customers"):
        upgrade(engine)
    from finrisk.db.repair import repair

    assert "staging.customers" in repair(engine)
    with engine.connect() as conn:
        assert _relations(conn) == before
        # objects that were still there were left alone, rows included
        assert conn.execute(sa.text("select count(*) from source.news_labels")).scalar() == 1
    engine.dispose()


def test_dropped_column_is_named_and_added_back(db_url):
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        before = _relations(conn)
        conn.exec_driver_sql("alter table ops.model_promotions drop column status")  # from 060, with a check
        conn.exec_driver_sql("alter table staging.transactions drop column merchant cascade")  # its index and a view
    with pytest.raises(FinriskError, match=r"ops.model_promotions.status.* missing: run `finrisk db upgrade --repair`"):
        upgrade(engine)
    from finrisk.db.repair import repair

    assert set(repair(engine)) == {
        "ops.model_promotions.status",
        "staging.transactions.merchant",
        "staging.clean_transactions",
    }
    assert upgrade(engine) == []
    with engine.connect() as conn:
        assert _relations(conn) == before  # the merchant index is back
        assert (
            conn.execute(
                sa.text(
                    "select column_default from information_schema.columns where "
                    "table_schema = 'ops' and table_name = 'model_promotions' and column_name = 'status'"
                )
            ).scalar()
            == "'done'::text"
        )
    engine.dispose()
