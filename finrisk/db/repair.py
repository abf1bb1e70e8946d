"""`finrisk db upgrade --repair`: re-create the objects of applied migrations that are gone.

After `drop schema risk cascade` (or a dropped table), the migrations that built those
objects are still recorded as applied, so a plain upgrade has nothing to apply. Repair
re-runs, in migration order and in one transaction, exactly the statements that build a
missing schema or relation or act on one it re-creates (indexes, comments, grants, later
`alter table`s); statements on objects that still exist are left alone. Re-created tables
are empty: their rows come back by re-running the steps that write them (e.g. `finrisk
score --date D` for a published day). If any statement fails, nothing is changed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from finrisk.db import objects
from finrisk.db.migrate import LOCK_KEY, MIGRATIONS_DIR, applied_migrations
from finrisk.errors import FinriskError, redact

log = logging.getLogger(__name__)


_EXISTING = """
select schemaname || '.' || indexname from pg_indexes
union all select schemaname || '.' || tablename from pg_tables
union all select schemaname || '.' || viewname from pg_views
union all select schemaname || '.' || matviewname from pg_matviews
"""


def _should_run(conn, st: objects.Statement, schemas: set[str], relations: set[str], before: set[str]) -> bool:
    """Whether a statement builds or touches something this repair re-creates."""
    if st.kind is None:
        return False
    if st.kind == "create_schema":
        return st.target[0] in schemas
    if st.kind in ("create_relation", "on_relation"):
        return st.target[0] in relations
    if st.kind in ("drop_relation", "drop_index"):  # undo only what an earlier re-run statement brought back
        return st.target[0] not in before and conn.execute(
            sa.text("select to_regclass(:r)"), {"r": st.target[0]}).scalar() is not None
    if st.kind == "rename_relation":
        return st.target[0] in relations
    if st.kind == "on_schemas":
        return any(s in schemas or any(r.startswith(s + ".") for r in relations) for s in st.target)
    if st.kind == "in_schema":
        return st.target[0] in schemas
    return False


def repair(engine: Engine, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Re-create the missing objects of applied migrations; returns what was missing (empty: nothing to do)."""
    with engine.begin() as conn:
        conn.execute(sa.text("select pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        migrations = applied_migrations(conn, directory)
        parsed = [(m, objects.parse(m.sql)) for m in migrations]
        want_schemas, want_relations = objects.expected([st for _, sts in parsed for st in sts])
        gone = objects.missing(conn, want_schemas, want_relations)
        if not gone:
            return []
        schemas = {g.removeprefix("schema ") for g in gone if g.startswith("schema ")}
        relations = {g for g in gone if not g.startswith("schema ")}
        before = set(conn.execute(sa.text(_EXISTING)).scalars())
        for migration, statements in parsed:
            for st in statements:
                if not _should_run(conn, st, schemas, relations, before):
                    continue
                if st.kind == "rename_relation":  # the re-created object takes its later name
                    relations.add(st.renamed_to)
                try:
                    with conn.begin_nested():
                        conn.exec_driver_sql(st.sql.replace("%", "%%"))
                except sa.exc.DBAPIError as exc:
                    first = redact(str(exc.orig).strip().splitlines()[0]) if exc.orig else type(exc).__name__
                    raise FinriskError(f"repair stopped in migration {migration.name} ({first}); nothing was changed: "
                                       "restore the missing objects from a backup") from None
            log.info("repair: re-ran the statements of %s that build missing objects", migration.name)
        still = objects.missing(conn, want_schemas, want_relations)
        if still:
            raise FinriskError(f"repair could not re-create {', '.join(still[:3])}"
                               f"{f' and {len(still) - 3} more' if len(still) > 3 else ''}; nothing was changed: "
                               "restore them from a backup")
    return gone
