"""Data Docs that keep every validated day (issue 22).

GX rebuilds its site from the run's ephemeral context: each run deletes the pages of the runs before and
its index lists only the last run. So after each validation run its pages are copied to
`runs/<run date>/<run id>/staging/<table>/` (as deep as GX's own `validations/` pages, so their links to
the site's `static/` still resolve), the run is added to `runs/runs.json`, and GX's `index.html` gets a
"Validation runs" table listing every run whose folder is still on disk, newest first: date, run id,
passed or failed, rows quarantined, and a link to each table's page. Deleting a date's folder under
`runs/` drops it from the next run's index. Nothing here reads or writes row values.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

from finrisk.quality.report import ValidationReport

RUNS_DIR = "runs"
LEDGER = "runs.json"
_START, _END = "<!-- finrisk:validation-runs -->", "<!-- /finrisk:validation-runs -->"
# GX's page body (below its sticky navbar); a page without it gets the table at the top of <body>
_ANCHORS = (re.compile(r'<div class="container-fluid pt-4 pb-4 pl-5 pr-5">'), re.compile(r"<body[^>]*>"))


def current_pages(docs: Path) -> dict[str, Path]:
    """GX's validation page of each table for the run just made (GX keeps only that run's), by table."""
    pages = {}
    for page in sorted((docs / "validations" / "staging").glob("*/*/*/*.html")):
        pages[page.relative_to(docs / "validations" / "staging").parts[0]] = page
    return pages


def keep_run(report: ValidationReport, pages: dict[str, Path]) -> list[dict]:
    """Archive this run's pages, record it in the ledger and list every kept run in index.html.

    Returns the runs the index lists, newest first.
    """
    docs = report.docs_path
    run_dir = docs / RUNS_DIR / report.run_date.isoformat() / report.run_id
    shutil.rmtree(run_dir, ignore_errors=True)
    kept = {}
    for table, page in pages.items():
        if table not in report.tables or not page.is_file():
            continue
        target = run_dir / "staging" / table / page.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(page, target)
        kept[table] = target.relative_to(docs).as_posix()
    run_dir.mkdir(parents=True, exist_ok=True)
    entry = {
        "run_date": report.run_date.isoformat(),
        "run_id": report.run_id,
        "passed": report.success,
        "quarantined_rows": report.quarantined_rows,
        "tables": {
            name: {
                "passed": t.success,
                "evaluated_rows": t.evaluated_rows,
                "quarantined_rows": t.quarantined_rows,
                "page": kept.get(name),
            }
            for name, t in sorted(report.tables.items())
        },
    }
    ledger_path = docs / RUNS_DIR / LEDGER
    ledger = json.loads(ledger_path.read_text()) if ledger_path.is_file() else []
    ledger = [r for r in ledger if r["run_id"] != report.run_id] + [entry]
    ledger_path.write_text(json.dumps(ledger, indent=1))
    runs = listed_runs(docs, ledger)
    write_index(docs / "index.html", runs)
    return runs


def listed_runs(docs: Path, ledger: list[dict]) -> list[dict]:
    """The ledger's runs whose folder is still on disk, newest date first (then newest run first)."""
    present = [r for r in ledger if (docs / RUNS_DIR / r["run_date"] / r["run_id"]).is_dir()]
    order = {r["run_id"]: i for i, r in enumerate(ledger)}
    return sorted(present, key=lambda r: (r["run_date"], order[r["run_id"]]), reverse=True)


def write_index(index: Path, runs: list[dict]) -> None:
    """Put (or replace) the table of every kept run at the top of GX's index page."""
    text = index.read_text() if index.is_file() else "<html><body></body></html>"
    text = re.sub(re.escape(_START) + ".*?" + re.escape(_END), "", text, flags=re.S)
    match = next((m for m in (a.search(text) for a in _ANCHORS) if m), None)
    at = match.end() if match else 0
    index.write_text(text[:at] + _runs_table(runs) + text[at:])


def _runs_table(runs: list[dict]) -> str:
    rows = []
    for r in runs:
        links = ", ".join(
            f'<a href="{html.escape(t["page"])}">{html.escape(name)}</a>'
            + ("" if t["passed"] else " (failed)")
            + (f" ({t['quarantined_rows']:,} quarantined)" if t["quarantined_rows"] else "")
            for name, t in r["tables"].items()
            if t.get("page")
        )
        verdict = "passed" if r["passed"] else "failed"
        verdict = f'<span class="text-{"success" if r["passed"] else "danger"}">{verdict}</span>'
        rows.append(
            f"<tr><td>{html.escape(r['run_date'])}</td><td><code>{html.escape(r['run_id'])}</code></td>"
            f"<td>{verdict}</td><td class='text-right'>{int(r['quarantined_rows']):,}</td><td>{links or '—'}</td></tr>"
        )
    return (
        f'{_START}<div id="validation-runs" class="mb-4">'
        f"<h4>Validation runs ({len(runs)}, every validated day kept, newest first)</h4>"
        '<table class="table table-sm table-striped"><thead><tr><th>Run date</th><th>Run id</th><th>Result</th>'
        "<th class='text-right'>Rows quarantined</th><th>Tables (each run's own pages)</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table><p class='text-muted small'>Great Expectations' own list below shows the latest run only."
        + f"</p></div>{_END}"
    )
