"""What each migration's statements create or touch, read from the SQL itself.

`finrisk db upgrade` uses this to notice that an object an applied migration created is
gone (say after `drop schema risk cascade`), and `--repair` to re-run exactly the
statements that build the missing objects. Schemas, relations (tables, views, materialized
views) and table columns are tracked; a statement it cannot place is left alone, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

_ID = r'"?([a-z_][a-z0-9_$]*)"?'
_REL = _ID + r"\." + _ID
_LIST = r"([a-z0-9_$\", ]+?)"

# (kind, pattern): kind says what the statement does to the object it names
_RULES: list[tuple[str, re.Pattern]] = [
    (kind, re.compile(pattern))
    for kind, pattern in [
        ("create_schema", r"^create schema (?:if not exists )?" + _ID),
        (
            "create_relation",
            r"^create (?:or replace )?(?:unlogged )?(?:materialized )?(?:table|view) (?:if not exists )?" + _REL,
        ),
        (
            "rename_relation",
            r"^alter (?:table|view|materialized view) (?:if exists )?" + _REL + r" rename to " + _ID + r"\s*;?$",
        ),
        ("drop_relation", r"^drop (?:materialized )?(?:table|view) (?:if exists )?" + _REL),
        ("drop_schema", r"^drop schema (?:if exists )?" + _ID),
        ("drop_index", r"^drop index (?:concurrently )?(?:if exists )?" + _REL),
        (
            "on_index",
            r"^create (?:unique )?index (?:concurrently )?(?:if not exists )?(?:" + _ID + r" )?on (?:only )?" + _REL,
        ),
        ("on_relation", r"^comment on (?:table|view|materialized view|column) " + _REL),
        ("on_relation", r"^alter (?:table|view|materialized view) (?:if exists )?(?:only )?" + _REL),
        ("on_relation", r"^(?:insert into|update|delete from) " + _REL),
        (
            "on_schemas",
            r"^(?:grant|revoke) .* on all (?:tables|sequences|functions) in schema " + _LIST + r" (?:to|from) ",
        ),
        ("on_schemas", r"^alter default privileges in schema " + _LIST + r" (?:grant|revoke) "),
        ("on_schemas", r"^(?:grant|revoke) .* on schema " + _LIST + r" (?:to|from) "),
        ("on_relation", r"^(?:grant|revoke) .* on (?:table )?" + _REL + r" (?:to|from) "),
        ("in_schema", r"^create (?:or replace )?(?:function|procedure|sequence|type) (?:if not exists )?" + _REL),
    ]
]


@dataclass(frozen=True)
class Statement:
    """One statement of a migration, with the object it acts on (None when it cannot be placed)."""

    sql: str
    kind: str | None
    target: tuple[str, ...] = ()
    renamed_to: str | None = None
    # column changes of a create table / alter table: ("add", name, definition), ("drop", name, ""),
    # ("rename", old, new)
    columns: tuple[tuple[str, str, str], ...] = ()
    text: str = ""


def _normalise(sql: str) -> str:
    """Comments stripped, whitespace collapsed, case kept (string literals in defaults matter)."""
    import sqlparse

    text = sqlparse.format(sql, strip_comments=True).strip()
    return re.sub(r"\s+", " ", text)


def _top_level(body: str) -> list[str]:
    """`body` split on commas outside parentheses and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(body):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            parts.append(body[start:i].strip())
            start = i + 1
    parts.append(body[start:].strip().rstrip(";").strip())
    return [p for p in parts if p]


_NOT_COLUMNS = ("constraint", "primary", "unique", "check", "foreign", "exclude", "like")


def _table_columns(cased: str) -> tuple[tuple[str, str, str], ...]:
    """The columns a `create table S.T (...)` defines, with their definitions."""
    start = cased.find("(")
    if start < 0 or re.search(r"\)\s+as\s", cased, re.IGNORECASE):
        return ()
    depth = 0
    for end in range(start, len(cased)):
        depth += {"(": 1, ")": -1}.get(cased[end], 0)
        if depth == 0:
            break
    out = []
    for item in _top_level(cased[start + 1 : end]):
        name = item.split(" ", 1)[0]
        if name.lower() not in _NOT_COLUMNS:
            out.append(("add", name.strip('"').lower(), item))
    return tuple(out)


def _altered_columns(cased: str) -> tuple[tuple[str, str, str], ...]:
    """The column changes of an `alter table S.T action, action, ...`."""
    match = re.match(r"alter table (?:if exists )?(?:only )?\S+ (.*)$", cased, re.IGNORECASE)
    if not match:
        return ()
    out = []
    for action in _top_level(match.group(1)):
        add = re.match(r"add column (?:if not exists )?(\"?\w+\"?) (.+)$", action, re.IGNORECASE)
        drop = re.match(r"drop column (?:if exists )?(\"?\w+\"?)", action, re.IGNORECASE)
        rename = re.match(r"rename column (\"?\w+\"?) to (\"?\w+\"?)", action, re.IGNORECASE)
        if add:
            name = add.group(1).strip('"').lower()
            out.append(("add", name, f"{add.group(1)} {add.group(2)}"))
        elif drop:
            out.append(("drop", drop.group(1).strip('"').lower(), ""))
        elif rename:
            out.append(("rename", rename.group(1).strip('"').lower(), rename.group(2).strip('"').lower()))
    return tuple(out)


def _schemas(listed: str) -> tuple[str, ...]:
    return tuple(part.strip().strip('"') for part in listed.split(",") if part.strip())


def parse(sql: str) -> list[Statement]:
    """The statements of one migration file, each classified."""
    import sqlparse

    out = []
    for raw in sqlparse.split(sql):
        cased = _normalise(raw)
        text = cased.lower()
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
            columns: tuple = ()
            if kind == "create_relation" and re.match(r"create (?:unlogged )?table ", text):
                columns = _table_columns(cased)
            elif kind == "on_relation" and text.startswith("alter table "):
                columns = _altered_columns(cased)
            out.append(Statement(raw, kind, target, renamed, columns, text))
            break
        else:
            out.append(Statement(raw, None, text=text))
    return out


@dataclass
class Expected:
    """What a list of migrations leaves behind: schemas, relations, and each table's column definitions."""

    schemas: set[str]
    relations: set[str]
    columns: dict[str, dict[str, str]]


def expected(statements: list[Statement]) -> Expected:
    """The schemas, relations and table columns that these statements, in order, leave behind."""
    want = Expected(set(), set(), {})
    for st in statements:
        if st.kind == "create_schema":
            want.schemas.add(st.target[0])
        elif st.kind == "drop_schema":
            prefix = st.target[0] + "."
            want.schemas.discard(st.target[0])
            want.relations = {r for r in want.relations if not r.startswith(prefix)}
            want.columns = {r: c for r, c in want.columns.items() if not r.startswith(prefix)}
        elif st.kind == "create_relation":
            want.relations.add(st.target[0])
            if st.columns:
                want.columns[st.target[0]] = {name: definition for _, name, definition in st.columns}
        elif st.kind == "drop_relation":
            want.relations.discard(st.target[0])
            want.columns.pop(st.target[0], None)
        elif st.kind == "rename_relation":
            want.relations.discard(st.target[0])
            want.relations.add(st.renamed_to)
            if st.target[0] in want.columns:
                want.columns[st.renamed_to] = want.columns.pop(st.target[0])
        if st.kind == "on_relation" and st.columns and st.target[0] in want.columns:
            table = want.columns[st.target[0]]
            for op, name, other in st.columns:
                if op == "add":
                    table[name] = other
                elif op == "drop":
                    table.pop(name, None)
                elif op == "rename" and name in table:
                    table[other] = table.pop(name)
    return want


def missing(conn, want: Expected) -> list[str]:
    """What the database lacks: `schema S`, `S.T` relations and `S.T.C` columns of tables it has, sorted."""
    present_schemas = set(conn.execute(sa.text("select nspname from pg_namespace")).scalars())
    gone = [f"schema {s}" for s in sorted(want.schemas - present_schemas)]
    for rel in sorted(want.relations):
        if conn.execute(sa.text("select to_regclass(:r)"), {"r": rel}).scalar() is None:
            gone.append(rel)
            continue
        schema, table = rel.split(".", 1)
        have = set(
            conn.execute(
                sa.text(
                    "select column_name from information_schema.columns where table_schema = :s and table_name = :t"
                ),
                {"s": schema, "t": table},
            ).scalars()
        )
        gone += [f"{rel}.{c}" for c in sorted(want.columns.get(rel, {})) if c not in have]
    return gone
