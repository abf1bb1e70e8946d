"""`finrisk demo-data` fills every source table with data that honours the source contract."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date

import pytest
import sqlalchemy as sa

from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.demo import generate

END = date(2026, 3, 31)
TABLES = ("customers", "credit_outcomes", "transactions", "fraud_labels", "news_articles", "news_labels")


@pytest.fixture()
def warehouse(db_url, tmp_path) -> Settings:
    """Settings for this test's warehouse only (no MLflow needed here)."""
    return Settings(database_url=db_url, data_dir=tmp_path / "data")


def _scalar(engine, statement: str):
    with engine.connect() as conn:
        return conn.execute(sa.text(statement)).scalar()


def table_hashes(engine) -> dict[str, str]:
    """One hash per source table over its sorted rows."""
    out = {}
    with engine.connect() as conn:
        for table in TABLES:
            rows = conn.execute(sa.text(f"select t::text as r from source.{table} t order by 1")).scalars()
            out[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


def test_contract(warehouse):
    summary = generate(warehouse, customers=1500, days=60, seed=3, end_date=END)
    engine = get_engine(warehouse)
    for table in TABLES:
        assert _scalar(engine, f"select count(*) from source.{table}") > 0, table
    assert summary.customers == 1500 and summary.credit_outcomes == 1500
    assert 0.005 <= summary.fraud_rate <= 0.02
    assert 0.05 <= summary.default_rate <= 0.12
    assert "1500 customers" in summary.line()

    checks = {
        "customer without transactions": "select count(*) from source.customers c where not exists "
        "(select 1 from source.transactions t where t.customer_id = c.customer_id)",
        "customer whose company is in no news": "select count(*) from source.customers c where c.company is not null "
        "and not exists (select 1 from source.news_articles a where a.companies ? c.company)",
        "customer without notes": "select count(*) from source.customers where notes is null",
        "customer without company": "select count(*) from source.customers where company is null",
        "empty profile": "select count(*) from source.customers where profile = '{}'::jsonb",
        "article naming several companies": "select count(*) from source.news_articles where "
        "jsonb_array_length(companies) > 1",
        "article about a company no customer works for": "select count(*) from source.news_articles a "
        "where not exists (select 1 from source.customers c where a.companies ? c.company)",
        "confirmed fraud": "select count(*) from source.fraud_labels where is_fraud",
        "cleared transaction": "select count(*) from source.fraud_labels where not is_fraud",
        "customer updated inside the window": "select count(*) from source.customers where updated_at >= '2026-01-31'",
    }
    for name, statement in checks.items():
        assert _scalar(engine, statement) > 0, name

    violations = {
        "label for an unknown transaction": "select count(*) from source.fraud_labels l "
        "left join source.transactions t using (txn_id) where t.txn_id is null",
        "label before its transaction": "select count(*) from source.fraud_labels l "
        "join source.transactions t using (txn_id) where l.labeled_at <= t.occurred_at",
        "label after the end date": "select count(*) from source.fraud_labels where labeled_at >= '2026-04-01'",
        "transaction outside the window": "select count(*) from source.transactions "
        "where occurred_at < '2026-01-31' or occurred_at >= '2026-04-01'",
        "bad sentiment": "select count(*) from source.news_labels where sentiment not in ('negative', "
        "'neutral', 'positive')",
        "bad currency": "select count(*) from source.transactions where currency !~ '^[A-Z]{3}$'",
        "bad country": "select count(*) from source.transactions where country !~ '^[A-Z]{2}$'",
        "bad channel": "select count(*) from source.transactions where channel not in ('pos', 'online', 'atm', "
        "'contactless')",
        "non-positive amount": "select count(*) from source.transactions where amount <= 0",
        "snapshot outside the later two thirds": "select count(*) from source.credit_outcomes "
        "where snapshot_date < '2026-02-20' or snapshot_date > '2026-03-31'",
        "empty-string notes": "select count(*) from source.customers where notes = ''",
        "profile not an object": "select count(*) from source.customers where jsonb_typeof(profile) <> 'object'",
    }
    for name, statement in violations.items():
        assert _scalar(engine, statement) == 0, name

    with engine.connect() as conn:
        currencies = set(conn.execute(sa.text("select distinct currency from source.transactions")).scalars())
        eur_share = conn.execute(sa.text("select avg((currency = 'EUR')::int) from source.transactions")).scalar()
        inside = conn.execute(sa.text("select avg((updated_at >= '2026-01-31')::int) from source.customers")).scalar()
    assert currencies <= set(warehouse.quality.currencies) and {"EUR", "USD", "GBP"} <= currencies
    assert eur_share > 0.8
    assert 0.02 < inside < 0.09


def test_same_seed_same_rows_and_rerun_replaces(warehouse):
    engine = get_engine(warehouse)
    generate(warehouse, customers=400, days=30, seed=5, end_date=END)
    first = table_hashes(engine)
    count = _scalar(engine, "select count(*) from source.transactions")
    generate(warehouse, customers=400, days=30, seed=5, end_date=END)
    assert table_hashes(engine) == first
    assert _scalar(engine, "select count(*) from source.transactions") == count
    generate(warehouse, customers=400, days=30, seed=6, end_date=END)
    other = table_hashes(engine)
    assert all(other[t] != first[t] for t in TABLES)


def test_failed_load_keeps_previous_contents(warehouse, monkeypatch):
    engine = get_engine(warehouse)
    generate(warehouse, customers=200, days=10, seed=1, end_date=END)
    before = table_hashes(engine)
    import finrisk.demo.load as load

    calls = []

    def failing_copy(dbapi, table, frame):
        calls.append(table)
        if table == "source.transactions":
            raise RuntimeError("disk full")
        return len(frame)

    monkeypatch.setattr(load, "copy_frame", failing_copy)
    with pytest.raises(RuntimeError):
        generate(warehouse, customers=300, days=10, seed=2, end_date=END)
    assert "source.customers" in calls
    assert table_hashes(engine) == before


def test_cli_prints_one_line_summary(db_url, tmp_path):
    env = {**os.environ, "FINRISK_DATABASE_URL": db_url, "FINRISK_DATA_DIR": str(tmp_path)}
    command = [
        sys.executable,
        "-m",
        "finrisk.cli",
        "demo-data",
        "--customers",
        "50",
        "--days",
        "7",
        "--seed",
        "9",
        "--end-date",
        "2026-03-31",
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "50 customers" in lines[0] and "2026-03-25..2026-03-31" in lines[0]

    bad = subprocess.run(command[:5] + ["0"] + command[6:], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "--customers" in bad.stderr
    bad_date = subprocess.run(command[:-1] + ["2026-13-01"], capture_output=True, text=True, env=env, timeout=120)
    assert bad_date.returncode == 1 and "2026-13-01" in bad_date.stderr
