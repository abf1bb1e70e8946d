"""Versioned .sql migrations under sql/migrations, applied in order, each exactly once.

A file `NNN_name.sql` is one migration. `upgrade` locks `ops.schema_migrations` (waiting at
most `LOCK_WAIT_S`, then one line naming the session that holds it; a table lock, not an
advisory lock, which any role, the read-only analyst included, could take and hold), applies every
file not yet recorded there in its own transaction, and records its checksum. Running it again changes nothing; an
applied file that was edited afterwards
is refused, because the databases it already ran on would silently differ. An object an
applied migration built that is gone (say after `drop schema risk cascade`) is named,
with the command that re-creates it (`finrisk db upgrade --repair`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from finrisk.config import SQL_DIR
from finrisk.db import objects
from finrisk.db.sql import query
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = SQL_DIR / "migrations"
_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
LOCK_WAIT_S = 30.0  # how long an upgrade or repair waits for another one before refusing
_LOCK_NOT_AVAILABLE = "55P03"

_BOOTSTRAP = """
create schema if not exists ops;
create table if not exists ops.schema_migrations (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
);
"""


def lock_migrations(conn: sa.Connection, wait_s: float = LOCK_WAIT_S) -> None:
    """Lock `ops.schema_migrations` for this transaction (upgrades and repairs run one at a time).

    Waits at most `wait_s`, then raises a one-line FinriskError naming the session holding it. The
    wait bound covers taking this lock only; the migrations themselves wait as long as they need.
    """
    previous = conn.execute(sa.text("select current_setting('lock_timeout')")).scalar()
    conn.execute(sa.text("select set_config('lock_timeout', :t, true)"), {"t": f"{max(1, int(wait_s * 1000))}ms"})
    try:
        with conn.begin_nested():
            conn.execute(query("db/lock_migrations"))
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "pgcode", None) != _LOCK_NOT_AVAILABLE:
            raise
        holders = conn.execute(query("db/migration_lock_holders")).all()
        who = (
            f"backend pid {holders[0].backend_pid} (role {holders[0].role_name}, application "
            f"{holders[0].application_name or 'unnamed'}, in a transaction since "
            f"{holders[0].xact_start:%Y-%m-%d %H:%M:%S %Z})"
            if holders
            else "another session"
        )
        raise FinriskError(
            f"the warehouse's migrations are locked by {who}; waited {wait_s:g}s: let it finish "
            "(or end that session) and run again"
        ) from None
    conn.execute(sa.text("select set_config('lock_timeout', :t, true)"), {"t": previous})


def _bootstrap(engine: Engine) -> None:
    """Create ops.schema_migrations if missing (its own transaction: two first upgrades may race)."""
    for attempt in (1, 2):
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(_BOOTSTRAP)
            return
        except sa.exc.IntegrityError:  # the other one created it a moment earlier
            if attempt == 2:
                raise


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every migration file, in version order; refuses misnamed or duplicated versions."""
    found: dict[str, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise FinriskError(f"migration {path.name} is misnamed: expected NNN_lower_snake.sql")
        version = match.group(1)
        if version in found:
            raise FinriskError(f"migration version {version} is used twice: {found[version].path.name}, {path.name}")
        found[version] = Migration(version, path.stem, path)
    return [found[v] for v in sorted(found)]


def applied_migrations(conn, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files recorded as applied in this database, in order."""
    if conn.execute(sa.text("select to_regclass('ops.schema_migrations')")).scalar() is None:
        return []
    done = set(conn.execute(sa.text("select version from ops.schema_migrations")).scalars())
    return [m for m in discover(directory) if m.version in done]


def check_intact(conn, directory: Path = MIGRATIONS_DIR) -> None:
    """Refuse, in one line, when an object an applied migration built is gone; say how to re-create it."""
    migrations = applied_migrations(conn, directory)
    parsed = [(m, objects.parse(m.sql)) for m in migrations]
    gone = objects.missing(conn, objects.expected([st for _, sts in parsed for st in sts]))
    if not gone:
        return
    names = {g.removeprefix("schema ") for g in gone} | {g.rsplit(".", 1)[0] for g in gone if g.count(".") == 2}
    builders = [
        m.name
        for m, sts in parsed
        if any(
            st.kind in ("create_schema", "create_relation", "on_relation")
            and st.target
            and st.target[0] in names
            and (st.kind != "on_relation" or st.columns)
            for st in sts
        )
    ]
    more = f" and {len(gone) - 3} more" if len(gone) > 3 else ""
    raise FinriskError(
        f"{', '.join(gone[:3])}{more} of applied migration(s) {', '.join(builders[:3])}"
        f"{' and more' if len(builders) > 3 else ''} {'are' if len(gone) > 1 else 'is'} missing: "
        "run `finrisk db upgrade --repair` to re-create them (empty)"
    )


def upgrade(engine: Engine, directory: Path = MIGRATIONS_DIR, lock_wait_s: float = LOCK_WAIT_S) -> list[str]:
    """Apply pending migrations; returns the names applied (empty when up to date).

    Refuses with one line when an object of an applied migration is missing (see `check_intact`),
    or when another session holds the migrations lock for more than `lock_wait_s`.
    """
    migrations = discover(directory)
    applied: list[str] = []
    _bootstrap(engine)
    with engine.begin() as conn:
        lock_migrations(conn, lock_wait_s)
        conn.exec_driver_sql(_BOOTSTRAP)  # again under the lock: `--repair` may have just rebuilt ops
        done = dict(conn.execute(sa.text("select version, checksum from ops.schema_migrations")).all())
        for migration in migrations:
            if migration.version in done and done[migration.version] != migration.checksum:
                raise FinriskError(
                    f"migration {migration.name} changed after it was applied; add a new migration instead"
                )
        check_intact(conn, directory)
        for migration in migrations:
            if migration.version in done:
                continue
            log.info("applying migration %s", migration.name)
            with conn.begin_nested():
                conn.exec_driver_sql(migration.sql.replace("%", "%%"))
                conn.execute(
                    sa.text("insert into ops.schema_migrations (version, name, checksum) values (:v, :n, :c)"),
                    {"v": migration.version, "n": migration.name, "c": migration.checksum},
                )
            applied.append(migration.name)
    return applied


def current_version(engine: Engine) -> str | None:
    """The highest applied migration version, or None on an empty database."""
    with engine.connect() as conn:
        exists = conn.execute(sa.text("select to_regclass('ops.schema_migrations')")).scalar()
        if exists is None:
            return None
        return conn.execute(sa.text("select max(version) from ops.schema_migrations")).scalar()
