"""The README's and docs' examples stay true (issue 19, "A README a newcomer can read").

On a warehouse with two scored and published days (tiny models, `test_score`'s fixtures) every
analyst query in `sql/queries/` runs as the read-only analyst role and returns rows wherever the
day has the data it asks about, with figures rounded for reading (no unrounded double), and
every ```sql block of README.md and docs/*.md executes; a block may use psql variables
(`:'customer_id'`), which are bound as parameters. `risk.model_lineage` counts each model's own
units. Every `finrisk <command>` the pages show is a real command: `python -m finrisk.cli
<command> --help` exits 0.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from test_score import D1, D2, _rows, env, trained  # noqa: F401  (fixtures)

from finrisk.scoring.run import score

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
QUERIES = sorted((ROOT / "sql" / "queries").glob("*.sql"))
ANALYST_PAGES = {"README.md", "analysts.md"}  # their SQL runs as finrisk_analyst; the others as the owner

# For each analyst query: a probe that counts what it reports on; the query must return rows when it is not 0.
HAS_DATA = {
    "band_distribution_over_time": "select count(*) from risk.risk_scores",
    "band_e_reasons_today": """select count(*) from risk.risk_scores s, jsonb_array_elements(s.reason_codes)
        where s.risk_band = 'E' and s.score_date = (select max(score_date) from risk.risk_scores)""",
    "drift_today": "select count(*) from risk.score_monitoring where metric = 'psi' and role = 'champion'",
    "early_warnings_today": "select count(*) from risk.risk_alerts",
    "model_lineage": "select count(*) from risk.score_monitoring where metric = 'rows'",
    "why_band_e": "select count(*) from risk.risk_scores",
}
ALWAYS = {"band_distribution_over_time", "drift_today", "model_lineage", "why_band_e"}  # a published day has these

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
PSQL_VAR = re.compile(r":'(\w+)'")
COMMAND = re.compile(r"(?:(?<=bin/)|(?<![\w./-]))finrisk[ \t]+([a-z][\w-]*)(?:[ \t]+([a-z][\w-]*))?")


def _sql_blocks() -> list[tuple[str, int, str]]:
    out = []
    for page in PAGES:
        text = page.read_text()
        for m in FENCE.finditer(text):
            if m.group(1) == "sql":
                out.append((page.name, text.count("\n", 0, m.start()) + 1, m.group(2)))
    return out


def _run(conn, sql: str, params: dict) -> list:
    """Run a file or block as psql would: psql variables bound as parameters, meta-commands dropped."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("\\"))
    body = PSQL_VAR.sub(lambda m: f"%({m.group(1)})s", body.replace("%", "%%"))
    result = conn.exec_driver_sql(body, params)
    return result.all() if result.returns_rows else []


def _as(conn, analyst: bool) -> None:
    conn.exec_driver_sql("set role finrisk_analyst" if analyst else "reset role")


def test_every_analyst_query_and_sql_example_runs_on_a_published_warehouse(env):
    from finrisk.db.engine import get_engine

    score(env, D1)
    score(env, D2)  # the day after: early warnings compare with D1
    engine = get_engine(env)
    riskiest = _rows(
        engine,
        "select customer_id from risk.risk_scores where score_date = :d order by pd_12m desc, customer_id limit 1",
        d=D2,
    )[0]["customer_id"]
    params = {"customer_id": riskiest}
    failures: list[str] = []

    assert {p.stem for p in QUERIES} == set(HAS_DATA), "a new query in sql/queries needs its HAS_DATA probe"
    for path in QUERIES:
        with engine.connect() as conn:
            has_data = conn.exec_driver_sql(HAS_DATA[path.stem]).scalar()
            _as(conn, analyst=True)
            try:
                rows = _run(conn, path.read_text(), params)
            except sa.exc.DBAPIError as exc:
                failures.append(f"{path.name}: {str(exc.orig).splitlines()[0]}")
                continue
            finally:
                conn.rollback()
        if path.stem in ALWAYS and not has_data:
            failures.append(f"{path.name}: the published days have no data it reports on ({HAS_DATA[path.stem]})")
        if has_data and not rows:
            failures.append(f"{path.name}: no row, although the day has {has_data} row(s) it reports on")
        raw = sorted({col for row in rows for col, v in row._mapping.items() if isinstance(v, float)})
        if raw:
            failures.append(f"{path.name}: unrounded figures in {', '.join(raw)} (round(x::numeric, 4) as x)")

    why = _run_one(engine, ROOT / "sql" / "queries" / "why_band_e.sql", params)
    assert why and why[0]["customer_id"] == riskiest and why[0]["score_date"] == D2, why

    lineage = {
        r["model"]: r
        for r in _rows(engine, "select * from risk.model_lineage where score_date = :d and role = 'champion'", d=D2)
    }
    for model, table, unit in (
        ("finrisk-credit", "risk_scores", "customers"),
        ("finrisk-fraud", "transaction_scores", "transactions"),
        ("finrisk-news", "news_signals", "articles"),
    ):
        n = _rows(engine, f"select count(*) as n from risk.{table} where score_date = :d", d=D2)[0]["n"]
        scored = lineage[model]["units_scored"]
        if scored != n:
            failures.append(f"risk.model_lineage: {model} scored {scored}, risk.{table} has {n}")
        if lineage[model]["unit"] != unit:
            failures.append(f"risk.model_lineage: {model} counts {lineage[model]['unit']!r}, not {unit!r}")

    blocks = _sql_blocks()
    assert blocks, "README.md and docs/*.md show no sql block"
    for page, line, sql in blocks:
        with engine.connect() as conn:
            _as(conn, analyst=page in ANALYST_PAGES)
            try:
                _run(conn, sql, params)
            except sa.exc.DBAPIError as exc:
                failures.append(f"{page}:{line}: {str(exc.orig).splitlines()[0]}")
            finally:
                conn.rollback()
    assert not failures, "\n".join(failures)


def _run_one(engine, path: Path, params: dict) -> list[dict]:
    with engine.connect() as conn:
        _as(conn, analyst=True)
        rows = [dict(r._mapping) for r in _run(conn, path.read_text(), params)]
        conn.rollback()
    return rows


def _commands() -> dict[tuple[str, ...], str]:
    """Every `finrisk <command> [<subcommand>]` in the pages' code (blocks and inline), with where it was seen."""
    out: dict[tuple[str, ...], str] = {}
    for page in PAGES:
        text = page.read_text()
        spans = [m.group(2) for m in FENCE.finditer(text)]
        spans += re.findall(r"`([^`\n]+)`", FENCE.sub("", text))
        for span in spans:
            for m in COMMAND.finditer(span):
                if "psql" in span[span.rfind("\n", 0, m.start()) + 1 : m.start()]:
                    continue  # `psql -U finrisk finrisk`: a role and a database, not the CLI
                out.setdefault(tuple(w for w in m.groups() if w), page.name)
    return out


def _help(*words: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *words, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


def _subcommands(help_text: str) -> set[str]:
    if "Commands:" not in help_text:
        return set()
    block = help_text.split("Commands:", 1)[1]
    return {m.group(1) for m in re.finditer(r"^\s{2}([a-z][\w-]*)\s", block, re.MULTILINE)}


def test_every_finrisk_command_the_pages_show_exists():
    commands = _commands()
    assert ("db", "upgrade") in {c[:2] for c in commands}, "the README shows no `finrisk db upgrade`"
    firsts = sorted({c[0] for c in commands})
    with ThreadPoolExecutor(max_workers=4) as pool:
        helps = dict(zip(firsts, pool.map(_help, firsts)))
    failures = []
    seconds = set()
    for words, page in sorted(commands.items()):
        done = helps[words[0]]
        if done.returncode != 0:
            failures.append(f"{page}: `finrisk {words[0]}` is no command (--help exit {done.returncode})")
            continue
        groups = _subcommands(done.stdout)
        if groups and len(words) == 2:
            if words[1] not in groups:
                failures.append(f"{page}: `finrisk {' '.join(words)}`: {words[0]} has no command {words[1]}")
            else:
                seconds.add(words)
        elif groups:
            failures.append(f"{page}: `finrisk {words[0]}` needs a command ({', '.join(sorted(groups))})")
    with ThreadPoolExecutor(max_workers=4) as pool:
        for words, done in zip(sorted(seconds), pool.map(lambda w: _help(*w), sorted(seconds))):
            if done.returncode != 0:
                failures.append(f"`finrisk {' '.join(words)} --help` exits {done.returncode}")
    assert not failures, "\n".join(failures)


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = FENCE.sub("", page.read_text())
    heads = re.findall(r"^#+\s+(.*)$", text, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}


def test_every_link_between_the_pages_leads_somewhere():
    failures = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", FENCE.sub("", page.read_text())):
            if re.match(r"\w+://", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                failures.append(f"{page.name}: {target} does not exist")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                failures.append(f"{page.name}: {target} names no heading of {dest.name}")
    assert not failures, "\n".join(failures)
