"""Data Docs keep every validated day (issue 22): GX rebuilds its site from the last run alone, so each
run's pages are archived under runs/<date>/<run id>/ and the index lists every kept run."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from source_rows import at, good_day, insert, txn

from finrisk.ingest import run_ingest
from finrisk.quality import run_validation
from finrisk.quality.docs_history import listed_runs


def test_two_validated_days_both_listed_with_their_pages(settings, engine):
    today = datetime.now(UTC).date()
    days = (today - timedelta(days=1), today)
    good_day(engine, days[0], prefix="d1")
    insert(engine, "transactions", txn("t-d1-negative", "c-d1-0", at(days[0], 11), amount=-5))  # quarantined
    good_day(engine, days[1], prefix="d2")
    reports = []
    for day in days:
        run_ingest(settings, day)
        reports.append(run_validation(settings, day))
    first, second = reports
    assert first.quarantined_rows == 1 and second.quarantined_rows == 0
    docs = second.docs_path
    index = second.index_html.read_text()
    # the index lists both runs, newest first: date, run id, passed/failed, rows quarantined
    section = index[index.index('id="validation-runs"') :]
    rows = re.findall(
        r"<tr><td>(\d{4}-\d\d-\d\d)</td><td><code>([^<]+)</code></td><td>.*?>(passed|failed)<"
        r".*?<td class='text-right'>([\d,]+)</td>",
        section,
    )
    assert rows == [
        (days[1].isoformat(), second.run_id, "passed" if second.success else "failed", "0"),
        (days[0].isoformat(), first.run_id, "passed" if first.success else "failed", "1"),
    ]
    assert "Validation runs (2," in section
    # both days' own pages are on disk and linked from the index; GX's validations/ keeps only the last day
    for report, day in zip(reports, days):
        batch = f"year_{day.year}-month_{day.month}-day_{day.day}"
        pages = sorted((docs / "runs" / day.isoformat() / report.run_id / "staging").glob("*/*.html"))
        assert {p.parent.name for p in pages} == set(report.pages) and "transactions" in report.pages
        for page in pages:
            assert batch in page.name and f"staging.{page.parent.name}" in page.read_text(), page
            assert f'href="{page.relative_to(docs).as_posix()}"' in index
            # as deep as GX's own pages: their links to the site's static files resolve
            assert (page.parent / "../../../../../static/vendor").resolve().is_dir()
    assert f"year_{days[0].year}-month_{days[0].month}-day_{days[0].day}" not in "".join(
        p.as_posix() for p in (docs / "validations").rglob("*.html")
    )
    ledger = json.loads((docs / "runs" / "runs.json").read_text())
    assert [r["run_id"] for r in ledger] == [first.run_id, second.run_id]
    assert ledger[0]["tables"]["transactions"]["quarantined_rows"] == 1


def test_a_deleted_day_leaves_the_index(tmp_path):
    ledger = [
        {"run_date": "2026-01-01", "run_id": "old"},
        {"run_date": "2026-01-02", "run_id": "a"},
        {"run_date": "2026-01-02", "run_id": "b"},
    ]
    for r in ledger[1:]:
        (tmp_path / "runs" / r["run_date"] / r["run_id"]).mkdir(parents=True)
    assert [r["run_id"] for r in listed_runs(tmp_path, ledger)] == ["b", "a"]  # newest first; "old" was deleted
