"""`run_validation`: validate the batch ingested for a run date, quarantine failing rows, record it all.

One GX checkpoint validates every staging table's batch (`ingest_date = run_date`) SQL-side and
updates the Data Docs. Row-level failures are quarantined by set-based SQL under the same labels,
so every failing row lands there, not only GX's first 200. Results go to `quality.validation_runs`
and `quality.expectation_results`. Batch-level failures (broken schema, an empty or collapsed
batch of a critical table) are recorded first, then stop the run with a FinriskError.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date, datetime, timezone

import sqlalchemy as sa

from finrisk.config import Settings
from finrisk.db.engine import get_engine, warehouse_url
from finrisk.db.sql import query
from finrisk.errors import FinriskError
from finrisk.ingest import TABLES, cutoff_for
from finrisk.quality import rules as R
from finrisk.quality.countries import COUNTRY_CODES
from finrisk.quality.report import ExpectationOutcome, TableReport, ValidationReport
from finrisk.quality.suites import build_checkpoint, docs_dir
from finrisk.quality.volume import VolumeBand, volume_band

log = logging.getLogger(__name__)


def run_validation(settings: Settings, run_date: date) -> ValidationReport:
    """Validate every staged table's batch for `run_date`; raises FinriskError on a batch-level failure."""
    q = settings.quality
    engine = get_engine(settings)
    started_at = datetime.now(timezone.utc)  # audit only
    report = ValidationReport(f"validate-{run_date.isoformat()}-{uuid.uuid4().hex[:8]}", run_date,
                              docs_dir(settings.data_path))
    bounds = R.bounds(q, run_date, cutoff_for(run_date))
    with engine.connect() as conn:
        bands = {t: volume_band(conn, q, t, run_date) for t in TABLES}
    suites = {t: [*R.schema_rules(t), R.volume_rule(bands[t].min_rows, bands[t].max_rows), *R.row_rules(t, q, bounds)]
              for t in TABLES}
    log.info("validate %s for %s: %d tables, %d expectations", report.run_id, run_date, len(suites),
             sum(map(len, suites.values())))
    checkpoint = build_checkpoint(warehouse_url(settings), report.docs_path, suites)
    try:
        result = checkpoint.run(batch_parameters={"year": run_date.year, "month": run_date.month, "day": run_date.day})
    except Exception as exc:  # GX wraps database and configuration errors in many exception types
        raise FinriskError(f"validation for {run_date} could not run: {str(exc).strip().splitlines()[0]}") from None
    by_suite = {vr.suite_name: vr for vr in result.run_results.values()}
    params = _params(q, report.run_id, bounds)
    for table in TABLES:
        rules = {r.label: r for r in suites[table]}
        table_report = _table_report(table, by_suite[f"staging.{table}"], rules, bands[table], q.critical_tables)
        with engine.begin() as conn:
            _quarantine_and_record(conn, table_report, params, started_at)
        report.tables[table] = table_report
        log.info("validate %s: staging.%s %d rows, %d failed expectations, %d quarantined (%d new)", report.run_id,
                 table, table_report.evaluated_rows, len(table_report.failed_expectations),
                 table_report.quarantined_rows, table_report.new_quarantined_rows)
    failures = [t.batch_failure for t in report.tables.values() if t.batch_failure]
    if failures:
        raise FinriskError(failures[0] + (f" (and {len(failures) - 1} more batch failures)" if len(failures) > 1 else ""))
    return report


def _params(q, run_id: str, bounds: R.Bounds) -> dict:
    return {"run_id": run_id, "run_date": bounds.run_date, "cutoff_at": bounds.cutoff_at,
            "min_event_at": bounds.min_event_at, "max_amount": q.max_amount, "currencies": list(q.currencies),
            "countries": list(COUNTRY_CODES), "max_text_chars": q.max_text_chars, "sentiments": list(q.sentiments)}


def _table_report(table: str, vr, rules: dict[str, R.Rule], band: VolumeBand, critical: list[str]) -> TableReport:
    """Turn one suite's GX result into outcomes, and decide whether it is a batch-level failure."""
    outcomes, rows, failure = [], 0, None
    name = f"staging.{table}"
    for res in vr.results:
        label = res.expectation_config.meta.get("finrisk_label", res.expectation_config.type)
        rule = rules[label]
        raised = bool(res.exception_info and res.exception_info.get("raised_exception"))
        if not raised and res.exception_info:  # per-metric dict of exception infos
            raised = any(isinstance(v, dict) and v.get("raised_exception") for v in res.exception_info.values())
        result = res.result or {}
        observed = result.get("observed_value")
        unexpected = result.get("unexpected_count", observed if label.startswith("unexpected_rows") else None)
        details = {k: result[k] for k in ("element_count", "unexpected_percent", "missing_count") if k in result}
        if observed is not None and not label.startswith("unexpected_rows"):
            details["observed_value"] = observed if isinstance(observed, (int, float, str, list)) else str(observed)
        if raised:
            details["error"] = "expectation could not be evaluated"
        if label == "expect_table_row_count_to_be_between":
            rows = int(observed or 0)
            details["volume"] = band.note
        outcomes.append(ExpectationOutcome(label, rule.column, bool(res.success) and not raised, rule.row_level,
                                           int(unexpected) if isinstance(unexpected, (int, float)) else None, 0, details))
        if failure is None and (raised or not res.success) and not rule.row_level:
            failure = _batch_failure(name, label, table in critical, rows if observed is not None else None, band, raised)
    if failure is None and table in critical and rows == 0 and band.prior_rows > 0:
        failure = (f"{name}: expect_table_row_count_to_be_between failed: empty batch although earlier ingests "
                   f"loaded {band.prior_rows} rows")
    report = TableReport(table, rows, all(o.success for o in outcomes), outcomes, batch_failure=failure)
    report.notes.append(band.note)
    if failure and failure.startswith("note:"):
        report.notes.append(failure.removeprefix("note: "))
        report.batch_failure = None
    return report


def _batch_failure(name: str, label: str, critical: bool, rows: int | None, band: VolumeBand, raised: bool) -> str:
    if label == "expect_table_row_count_to_be_between" and not raised:
        message = f"{name}: {label} failed: {rows} rows outside the {band.note}"
        return message if critical else f"note: {message} (not batch-critical, recorded only)"
    reason = "could not be evaluated" if raised else "failed (schema differs from the staging contract)"
    return f"{name}: {label} {reason}"


def _quarantine_and_record(conn: sa.Connection, report: TableReport, params: dict, started_at: datetime) -> None:
    """Quarantine the batch's failing rows, then record the run and each expectation (one transaction)."""
    name = f"staging.{report.table}"
    new = {r.expectation: int(r.new_rows) for r in conn.execute(query(f"quality/quarantine_{report.table}"), params)}
    held = {r.expectation: int(r.quarantined_rows) for r in conn.execute(
        query("quality/quarantined_counts"), {"table_name": name, "run_date": params["run_date"]})}
    report.new_quarantined_rows = sum(new.values())
    report.quarantined_rows = held.pop("*", 0)
    report.outcomes = [
        ExpectationOutcome(o.label, o.column, o.success, o.row_level, o.unexpected_count, held.get(o.label, 0),
                           {**o.details, "quarantined_rows": held.get(o.label, 0), "newly_quarantined": new.get(o.label, 0)})
        for o in report.outcomes
    ]
    conn.execute(query("quality/record_run"), {
        "run_id": params["run_id"], "run_date": params["run_date"], "suite": name, "table_name": name,
        "success": report.success and report.batch_failure is None, "evaluated_rows": report.evaluated_rows,
        "failed_rows": report.quarantined_rows, "batch_failure": report.batch_failure, "started_at": started_at,
    })
    conn.execute(query("quality/record_expectation"), [
        {"run_id": params["run_id"], "suite": name, "expectation": o.label, "column_name": o.column,
         "success": o.success, "unexpected_count": o.unexpected_count,
         "details": json.dumps({**o.details, **({"note": "; ".join(report.notes)} if o.label.startswith(
             "expect_table_row_count") else {})}, default=str)}
        for o in report.outcomes
    ])
