"""`finrisk db upgrade --repair`: re-create the objects of applied migrations that are gone.

After `drop schema risk cascade` (or a dropped table), the migrations that built those
objects are still recorded as applied, so a plain upgrade has nothing to apply. Repair
re-runs, in migration order and in one transaction, exactly the statements that build a
missing schema or relation or act on one it re-creates (indexes, comments, grants, later
`alter table`s); a column dropped from a table that is still there is added back with its
definition, with its indexes and comment. Statements on objects that still exist are left alone. Re-created tables
are empty: their rows come back by re-running the steps that write them (e.g. `finrisk
score --date D` for a published day). If any statement fails, nothing is changed.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from finrisk.db import objects
from finrisk.db.migrate import MIGRATIONS_DIR, applied_migrations, lock_migrations
from finrisk.errors import FinriskError, redact

log = logging.getLogger(__name__)


_EXISTING = """
select schemaname || '.' || indexname from pg_indexes
union all select schemaname || '.' || tablename from pg_tables
union all select schemaname || '.' || viewname from pg_views
union all select schemaname || '.' || matviewname from pg_matviews
"""


def _mentions(text: str, names: set[str]) -> bool:
    return any(re.search(rf'\b"?{re.escape(name)}"?\b', text) for name in names)


def _should_run(
    conn, st: objects.Statement, schemas: set[str], relations: set[str], before: set[str], columns: dict[str, set[str]]
) -> bool:
    """Whether a statement builds or touches something this repair re-creates."""
    if st.kind is None:
        return False
    if st.kind == "create_schema":
        return st.target[0] in schemas
    if st.kind == "create_relation":
        return st.target[0] in relations
    if st.kind == "on_relation":
        if st.target[0] in relations:
            return True
        # on a table that kept its other columns: indexes and comments on a re-added column
        added = columns.get(st.target[0])
        return (
            bool(added)
            and st.text.startswith(("create index", "create unique index", "comment on column"))
            and _mentions(st.text.split(" on ", 1)[-1], added)
        )
    if st.kind in ("drop_relation", "drop_index"):  # undo only what an earlier re-run statement brought back
        return (
            st.target[0] not in before
            and conn.execute(sa.text("select to_regclass(:r)"), {"r": st.target[0]}).scalar() is not None
        )
    if st.kind == "rename_relation":
        return st.target[0] in relations
    if st.kind == "on_schemas":
        return any(s in schemas or any(r.startswith(s + ".") for r in relations) for s in st.target)
    if st.kind == "in_schema":
        return st.target[0] in schemas
    return False


def _execute(conn, sql: str, where: str) -> None:
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(sql.replace("%", "%%"))
    except sa.exc.DBAPIError as exc:
        first = redact(str(exc.orig).strip().splitlines()[0]) if exc.orig else type(exc).__name__
        raise FinriskError(
            f"repair stopped at {where} ({first}); nothing was changed: restore the missing objects from a backup"
        ) from None


def repair(engine: Engine, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Re-create the missing objects of applied migrations; returns what was missing (empty: nothing to do)."""
    with engine.begin() as conn:
        if conn.execute(sa.text("select to_regclass('ops.schema_migrations')")).scalar() is None:
            return []  # no migration recorded as applied: nothing to repair (a plain upgrade builds it all)
        lock_migrations(conn)
        migrations = applied_migrations(conn, directory)
        parsed = [(m, objects.parse(m.sql)) for m in migrations]
        want = objects.expected([st for _, sts in parsed for st in sts])
        gone = objects.missing(conn, want)
        if not gone:
            return []
        schemas = {g.removeprefix("schema ") for g in gone if g.startswith("schema ")}
        relations = {g for g in gone if not g.startswith("schema ") and g.count(".") == 1}
        columns: dict[str, set[str]] = {}
        for g in gone:
            if g.count(".") == 2:
                table, column = g.rsplit(".", 1)
                columns.setdefault(table, set()).add(column)
        before = set(conn.execute(sa.text(_EXISTING)).scalars())
        for table, names in sorted(columns.items()):  # a column dropped from a table that is still there
            for name in sorted(names):
                _execute(conn, f"alter table {table} add column {want.columns[table][name]}", f"column {table}.{name}")
        for migration, statements in parsed:
            for st in statements:
                if not _should_run(conn, st, schemas, relations, before, columns):
                    continue
                if st.kind == "rename_relation":  # the re-created object takes its later name
                    relations.add(st.renamed_to)
                _execute(conn, st.sql, f"migration {migration.name}")
            log.info("repair: re-ran the statements of %s that build missing objects", migration.name)
        still = objects.missing(conn, want)
        if still:
            raise FinriskError(
                f"repair could not re-create {', '.join(still[:3])}"
                f"{f' and {len(still) - 3} more' if len(still) > 3 else ''}; nothing was changed: "
                "restore them from a backup"
            )
    return gone
