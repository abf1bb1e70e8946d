"""The embedded default: with no URL configured finrisk starts its own PostgreSQL."""

import sqlalchemy as sa

from finrisk.config import Settings
from finrisk.db.embedded import DATABASES
from finrisk.db.engine import get_engine
from finrisk.db.migrate import upgrade


def test_embedded_server_starts_and_migrates(tmp_path):
    settings = Settings(database_url=None, data_dir=tmp_path / "data")
    engine = get_engine(settings)
    assert upgrade(engine)
    assert upgrade(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("select current_database()")).scalar() == "finrisk"
        names = set(conn.execute(sa.text("select datname from pg_database")).scalars())
        assert conn.execute(sa.text("show server_version")).scalar().startswith("16")
    assert set(DATABASES) <= names
    engine.dispose()
    # leave no server behind in the test's temporary folder
    import pgserver

    pgserver.get_server(tmp_path / "data" / "pg", cleanup_mode="stop").cleanup()
