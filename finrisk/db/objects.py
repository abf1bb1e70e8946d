"""What each migration's statements create or touch, read from the SQL itself.

`finrisk db upgrade` uses this to notice that an object an applied migration created is
gone (say after `drop schema risk cascade`), and `--repair` to re-run exactly the
statements that build the missing objects. Only schemas and relations (tables, views,
materialized views) are tracked; a statement it cannot place is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

_ID = r'"?([a-z_][a-z0-9_$]*)"?'
_REL = _ID + r"\." + _ID
_LIST = r"([a-z0-9_$\", ]+?)"

# (kind, pattern): kind says what the statement does to the object it names
_RULES: list[tuple[str, re.Pattern]] = [(kind, re.compile(pattern)) for kind, pattern in [
    ("create_schema", r"^create schema (?:if not exists )?" + _ID),
    ("create_relation", r"^create (?:or replace )?(?:unlogged )?(?:materialized )?(?:table|view) (?:if not exists )?" + _REL),
    ("rename_relation", r"^alter (?:table|view|materialized view) (?:if exists )?" + _REL + r" rename to " + _ID + r"\s*;?$"),
    ("drop_relation", r"^drop (?:materialized )?(?:table|view) (?:if exists )?" + _REL),
    ("drop_schema", r"^drop schema (?:if exists )?" + _ID),
    ("drop_index", r"^drop index (?:concurrently )?(?:if exists )?" + _REL),
    ("on_index", r"^create (?:unique )?index (?:concurrently )?(?:if not exists )?(?:" + _ID + r" )?on (?:only )?" + _REL),
    ("on_relation", r"^comment on (?:table|view|materialized view|column) " + _REL),
    ("on_relation", r"^alter (?:table|view|materialized view) (?:if exists )?(?:only )?" + _REL),
    ("on_relation", r"^(?:insert into|update|delete from) " + _REL),
    ("on_schemas", r"^(?:grant|revoke) .* on all (?:tables|sequences|functions) in schema " + _LIST + r" (?:to|from) "),
    ("on_schemas", r"^alter default privileges in schema " + _LIST + r" (?:grant|revoke) "),
    ("on_schemas", r"^(?:grant|revoke) .* on schema " + _LIST + r" (?:to|from) "),
    ("on_relation", r"^(?:grant|revoke) .* on (?:table )?" + _REL + r" (?:to|from) "),
    ("in_schema", r"^create (?:or replace )?(?:function|procedure|sequence|type) (?:if not exists )?" + _REL),
]]


@dataclass(frozen=True)
class Statement:
    """One statement of a migration, with the object it acts on (None when it cannot be placed)."""

    sql: str
    kind: str | None
    target: tuple[str, ...] = ()
    renamed_to: str | None = None


def _normalise(sql: str) -> str:
    import sqlparse

    text = sqlparse.format(sql, strip_comments=True).strip()
    return re.sub(r"\s+", " ", text).lower()


def _schemas(listed: str) -> tuple[str, ...]:
    return tuple(part.strip().strip('"') for part in listed.split(",") if part.strip())


def parse(sql: str) -> list[Statement]:
    """The statements of one migration file, each classified."""
    import sqlparse

    out = []
    for raw in sqlparse.split(sql):
        text = _normalise(raw)
        if not text or text == ";":
            continue
        for kind, pattern in _RULES:
            match = pattern.match(text)
            if not match:
                continue
            groups = list(match.groups())
            if kind in ("create_schema", "drop_schema"):
                target = (groups[0],)
            elif kind == "on_schemas":
                target = _schemas(groups[0])
            elif kind == "on_index":
                kind, target = "on_relation", (f"{groups[-2]}.{groups[-1]}",)
            elif kind == "in_schema":
                target = (groups[0],)
            else:
                target = (f"{groups[0]}.{groups[1]}",)
            renamed = f"{groups[0]}.{groups[2]}" if kind == "rename_relation" else None
            out.append(Statement(raw, kind, target, renamed))
            break
        else:
            out.append(Statement(raw, None))
    return out


def expected(statements: list[Statement]) -> tuple[set[str], set[str]]:
    """(schemas, relations) that these statements, in order, leave behind."""
    schemas: set[str] = set()
    relations: set[str] = set()
    for st in statements:
        if st.kind == "create_schema":
            schemas.add(st.target[0])
        elif st.kind == "drop_schema":
            schemas.discard(st.target[0])
            relations = {r for r in relations if not r.startswith(st.target[0] + ".")}
        elif st.kind == "create_relation":
            relations.add(st.target[0])
        elif st.kind == "drop_relation":
            relations.discard(st.target[0])
        elif st.kind == "rename_relation":
            relations.discard(st.target[0])
            relations.add(st.renamed_to)
    return schemas, relations


def missing(conn, schemas: set[str], relations: set[str]) -> list[str]:
    """The schemas and relations among these that the database does not have, sorted."""
    present_schemas = set(conn.execute(sa.text("select nspname from pg_namespace")).scalars())
    gone = [f"schema {s}" for s in sorted(schemas - present_schemas)]
    for rel in sorted(relations):
        if conn.execute(sa.text("select to_regclass(:r)"), {"r": rel}).scalar() is None:
            gone.append(rel)
    return gone
