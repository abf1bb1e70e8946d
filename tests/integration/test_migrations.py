"""Migrations build every schema on an empty database, and running them again changes nothing."""

import sqlalchemy as sa

from finrisk.db.migrate import current_version, discover, upgrade

SCHEMAS = {"source", "staging", "quality", "risk", "ops"}


def _tables(conn) -> set[str]:
    rows = conn.execute(
        sa.text("select table_schema || '.' || table_name from information_schema.tables where table_schema = any(:s)"),
        {"s": sorted(SCHEMAS)},
    )
    return {r[0] for r in rows}


def test_upgrade_builds_everything_and_is_idempotent(empty_db_url):
    engine = sa.create_engine(empty_db_url)
    assert current_version(engine) is None

    applied = upgrade(engine)
    assert [m.name for m in discover()] == applied

    with engine.connect() as conn:
        schemas = {r[0] for r in conn.execute(sa.text("select schema_name from information_schema.schemata"))}
        before = _tables(conn)
    assert SCHEMAS <= schemas
    assert {
        "source.customers",
        "source.transactions",
        "source.news_articles",
        "source.credit_outcomes",
        "source.fraud_labels",
        "source.news_labels",
        "ops.schema_migrations",
    } <= before

    assert upgrade(engine) == []
    with engine.connect() as conn:
        assert _tables(conn) == before
        assert conn.execute(sa.text("select count(*) from ops.schema_migrations")).scalar() == len(applied)
    engine.dispose()


def test_source_contract_columns(engine):
    expected = {
        "customers": ["customer_id", "updated_at", "segment", "company", "profile", "notes", "closed_at"],
        "credit_outcomes": ["customer_id", "snapshot_date", "defaulted"],
        "transactions": [
            "txn_id",
            "customer_id",
            "occurred_at",
            "amount",
            "currency",
            "merchant",
            "description",
            "channel",
            "country",
        ],
        "fraud_labels": ["txn_id", "is_fraud", "labeled_at"],
        "news_articles": ["article_id", "published_at", "source", "headline", "body", "companies"],
        "news_labels": ["article_id", "sentiment"],
    }
    with engine.connect() as conn:
        for table, columns in expected.items():
            got = (
                conn.execute(
                    sa.text(
                        "select column_name from information_schema.columns "
                        "where table_schema = 'source' and table_name = :t order by ordinal_position"
                    ),
                    {"t": table},
                )
                .scalars()
                .all()
            )
            assert got == columns, table


def test_edited_migration_is_refused(empty_db_url, tmp_path):
    import pytest

    from finrisk.errors import FinriskError

    (tmp_path / "001_first.sql").write_text("create schema if not exists ops; create table ops.t (a int);")
    engine = sa.create_engine(empty_db_url)
    assert upgrade(engine, tmp_path) == ["001_first"]
    (tmp_path / "001_first.sql").write_text("create table ops.t (a int, b int);")
    with pytest.raises(FinriskError, match="changed after it was applied"):
        upgrade(engine, tmp_path)
    engine.dispose()
