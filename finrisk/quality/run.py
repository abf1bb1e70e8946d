"""`run_validation`: validate the batch ingested for a run date, quarantine failing rows, record it all.

One GX checkpoint validates every staging table's batch (`ingest_date = run_date`) SQL-side and
updates the Data Docs. Row-level failures are quarantined by set-based SQL under the same labels,
so every failing row lands there, not only GX's first 200. Results go to `quality.validation_runs`
and `quality.expectation_results`. Batch-level failures (broken schema, an empty or collapsed
batch of a critical table) are recorded first, then stop the run with a FinriskError.

A row is clean only once a run has passed it: the batch is fixed at its highest row_id under the
ingest locks before anything is checked, and only a run with no batch failure marks it validated
(`quality.validated_batches`); rows ingested later wait for the next run. A passed run then
re-checks rows quarantined only for a missing parent and releases those whose parent is now clean
(`quality.quarantine_releases` keeps the audit).
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa

from finrisk.config import Settings
from finrisk.dates import end_of_day, require_run_date
from finrisk.db.engine import get_engine, warehouse_url
from finrisk.db.runs import RunRecord
from finrisk.db.sql import query
from finrisk.errors import FinriskError
from finrisk.ingest import TABLES
from finrisk.quality import rules
from finrisk.quality.countries import COUNTRY_CODES
from finrisk.quality.docs_assets import localize
from finrisk.quality.docs_history import current_pages, keep_run
from finrisk.quality.report import ExpectationOutcome, TableReport, ValidationReport
from finrisk.quality.suites import build_checkpoint, docs_dir
from finrisk.quality.volume import VolumeBand, volume_band

log = logging.getLogger(__name__)

# Count-and-report checks per table (README, validation decisions): counted, logged, recorded; never quarantined.
REPORTED = {"transactions": "quality/reported_transactions"}


def run_validation(settings: Settings, run_date: date) -> ValidationReport:
    """Validate every staged table's batch for `run_date`; raises FinriskError on a batch-level failure.

    The run's row in `quality.runs` is `running` until it ends `succeeded` or `failed` (with the first batch
    failure); a run killed meanwhile is marked `abandoned` by the next one (`finrisk.db.runs`).
    """
    require_run_date(settings, run_date)
    run_id = f"validate-{run_date.isoformat()}-{uuid.uuid4().hex[:8]}"
    with RunRecord(get_engine(settings), "quality", run_id, run_date):
        return _validate(settings, run_date, run_id)


def _validate(settings: Settings, run_date: date, run_id: str) -> ValidationReport:
    """Validate the batches and record them under `run_id` (see `run_validation`)."""
    q = settings.quality
    engine = get_engine(settings)
    started_at = datetime.now(UTC)  # audit only
    report = ValidationReport(run_id, run_date, docs_dir(settings.data_path))
    bounds = rules.bounds(q, run_date, end_of_day(run_date))
    with engine.connect() as conn:
        bands = {t: volume_band(conn, q, t, run_date) for t in TABLES}
    with engine.begin() as conn:  # no ingest of a table is half-committed while its batch is fixed
        for t in TABLES:
            conn.execute(query("ingest/lock_table"), {"table_name": t})
        batches = conn.execute(query("quality/batch_sizes"), {"run_date": run_date}).all()
    sizes = {r.table_name: int(r.batch_rows) for r in batches}
    marks = {r.table_name: int(r.max_row_id or 0) for r in batches}
    suites = {
        t: [
            *rules.schema_rules(t),
            rules.volume_rule(bands[t].min_rows, bands[t].max_rows),
            *rules.row_rules(t, q, bounds),
        ]
        for t in TABLES
    }
    # GX finds no batch at all for a table with no rows that day: judge those on their volume alone.
    present = {t: suite for t, suite in suites.items() if sizes.get(t)}
    log.info(
        "validate %s for %s: %d non-empty tables, %d expectations",
        report.run_id,
        run_date,
        len(present),
        sum(map(len, present.values())),
    )
    by_suite = _run_checkpoint(settings, report, present) if present else {}
    params = _params(q, report.run_id, bounds)
    for table in TABLES:
        by_label = {r.label: r for r in suites[table]}
        if table in present:
            table_report = _table_report(table, by_suite[f"staging.{table}"], by_label, bands[table], q.critical_tables)
        else:
            table_report = _empty_report(table, bands[table], q.critical_tables)
        with engine.begin() as conn:
            _quarantine_and_record(conn, table_report, {**params, "max_row_id": marks[table]}, started_at)
        report.tables[table] = table_report
        log.info(
            "validate %s: staging.%s %d rows, %d failed expectations, %d quarantined (%d new)",
            report.run_id,
            table,
            table_report.evaluated_rows,
            len(table_report.failed_expectations),
            table_report.quarantined_rows,
            table_report.new_quarantined_rows,
        )
    keep_run(report, report.pages)  # Data Docs keep every validated day, a failed one too (issue 22)
    failures = [t.batch_failure for t in report.tables.values() if t.batch_failure]
    if failures:
        raise FinriskError(
            failures[0] + (f" (and {len(failures) - 1} more batch failures)" if len(failures) > 1 else "")
        )
    with engine.begin() as conn:
        _mark_and_release(conn, report, marks)
    return report


def _mark_and_release(conn: sa.Connection, report: ValidationReport, marks: dict[str, int]) -> None:
    """Mark the passed run's batches validated, then release quarantined rows whose parent is now clean."""
    params = {"run_id": report.run_id, "run_date": report.run_date}
    for table, max_row_id in marks.items():
        if max_row_id:
            conn.execute(
                query("quality/mark_validated"), {**params, "table_name": f"staging.{table}", "max_row_id": max_row_id}
            )
    conn.execute(query("quality/requarantine_released_labels"), params)
    for r in conn.execute(query("quality/release_quarantine"), params):
        report.released[r.table_name] = int(r.released_rows)
        log.info(
            "validate %s: %s: %d quarantined row(s) released to clean (%d entries), their parent is now clean",
            report.run_id,
            r.table_name,
            r.released_rows,
            r.released_entries,
        )


def _run_checkpoint(settings: Settings, report: ValidationReport, suites: dict[str, list[rules.Rule]]) -> dict:
    """Run the one checkpoint (a validation per table) and index its results by suite name."""
    checkpoint = build_checkpoint(warehouse_url(settings), report.docs_path, suites)
    day = report.run_date
    try:
        result = checkpoint.run(batch_parameters={"year": day.year, "month": day.month, "day": day.day})
    except Exception as exc:  # GX wraps database and configuration errors in many exception types
        raise FinriskError(f"validation for {day} could not run: {str(exc).strip().splitlines()[0]}") from None
    localize(report.docs_path)  # Data Docs render offline: CDN links point at the installed local copies
    report.pages = current_pages(report.docs_path)  # GX deletes them on the next run: keep_run archives them
    return {vr.suite_name: vr for vr in result.run_results.values()}


def _empty_report(table: str, band: VolumeBand, critical: list[str]) -> TableReport:
    """A table with no rows for the date: only its volume is judged (a quiet day passes where zero is normal)."""
    name = f"staging.{table}"
    label = "expect_table_row_count_to_be_between"
    in_band = band.allows(0)
    outcome = ExpectationOutcome(
        label, None, in_band, False, None, 0, {"observed_value": 0, "volume": band.note, "gx": "not run: empty batch"}
    )
    report = TableReport(table, 0, in_band, [outcome], notes=[band.note, "empty batch: GX suite not run"])
    if not in_band:
        message = f"{name}: {label} failed: empty batch, outside the {band.note}"
        if table in critical:
            report.batch_failure = message
        else:
            report.notes.append(f"{message} (not batch-critical, recorded only)")
    return report


def _params(q, run_id: str, bounds: rules.Bounds) -> dict:
    return {
        "run_id": run_id,
        "run_date": bounds.run_date,
        "cutoff_at": bounds.cutoff_at,
        "min_event_at": bounds.min_event_at,
        "min_amount": q.min_amount,
        "max_amount": q.max_amount,
        "currencies": list(q.currencies),
        "countries": list(COUNTRY_CODES),
        "max_text_chars": q.max_text_chars,
        "max_key_chars": q.max_key_chars,
        "max_name_chars": q.max_name_chars,
        "sentiments": list(q.sentiments),
        "padded": rules.PADDED,
        "blank": rules.BLANK,
        "depth_path": f"strict $.**{{{q.max_json_depth + 1}}}",
        "max_profile_bytes": q.max_profile_bytes,
        "max_profile_keys": q.max_profile_keys,
        "max_profile_value_chars": q.max_profile_value_chars,
    }


def _table_report(
    table: str, vr, by_label: dict[str, rules.Rule], band: VolumeBand, critical: list[str]
) -> TableReport:
    """Turn one suite's GX result into outcomes, and decide whether it is a batch-level failure."""
    name = f"staging.{table}"
    report = TableReport(table, 0, True, notes=[band.note])
    for res in vr.results:
        label = res.expectation_config.meta.get("finrisk_label", res.expectation_config.type)
        rule = by_label[label]
        info = res.exception_info or {}
        raised = bool(info.get("raised_exception")) or any(
            isinstance(v, dict) and v.get("raised_exception") for v in info.values()
        )
        result = res.result or {}
        observed = result.get("observed_value")
        custom = label.startswith("unexpected_rows")
        unexpected = observed if custom else result.get("unexpected_count")
        details = {k: result[k] for k in ("element_count", "unexpected_percent", "missing_count") if k in result}
        if observed is not None and not custom:
            details["observed_value"] = observed if isinstance(observed, (int, float, str, list)) else str(observed)
        if raised:
            details["error"] = "expectation could not be evaluated"
        success = bool(res.success) and not raised
        report.outcomes.append(
            ExpectationOutcome(
                label,
                rule.column,
                success,
                rule.row_level,
                int(unexpected) if isinstance(unexpected, (int, float)) else None,
                0,
                details,
            )
        )
        if label == "expect_table_row_count_to_be_between" and not raised:
            report.evaluated_rows = int(observed or 0)
            details["volume"] = band.note
            if not success:
                message = f"{name}: {label} failed: {report.evaluated_rows} rows outside the {band.note}"
                if table in critical:
                    report.batch_failure = report.batch_failure or message
                else:
                    report.notes.append(f"{message} (not batch-critical, recorded only)")
        elif not success and (raised or not rule.row_level) and report.batch_failure is None:
            why = "could not be evaluated" if raised else "failed (schema differs from the staging contract)"
            report.batch_failure = f"{name}: {label} {why}"
    report.success = all(o.success for o in report.outcomes)
    return report


def _quarantine_and_record(conn: sa.Connection, report: TableReport, params: dict, started_at: datetime) -> None:
    """Quarantine the batch's failing rows, then record the run and each expectation (one transaction)."""
    name = f"staging.{report.table}"
    new = {r.expectation: int(r.new_rows) for r in conn.execute(query(f"quality/quarantine_{report.table}"), params)}
    held = {
        r.expectation: int(r.quarantined_rows)
        for r in conn.execute(query("quality/quarantined_counts"), {"table_name": name, "run_date": params["run_date"]})
    }
    report.new_quarantined_rows = sum(new.values())
    report.quarantined_rows = held.pop("*", 0)
    report.outcomes = [
        ExpectationOutcome(
            o.label,
            o.column,
            o.success,
            o.row_level,
            o.unexpected_count,
            held.get(o.label, 0),
            {**o.details, "quarantined_rows": held.get(o.label, 0), "newly_quarantined": new.get(o.label, 0)},
        )
        for o in report.outcomes
    ]
    if report.table in REPORTED:  # count and report: rows that stay clean but are worth a look
        for r in conn.execute(query(REPORTED[report.table]), params):
            report.outcomes.append(
                ExpectationOutcome(
                    f"reported({r.check_name})",
                    None,
                    True,
                    False,
                    int(r.reported_rows),
                    0,
                    {"reported_rows": int(r.reported_rows), "reason": r.reason},
                )
            )
            if r.reported_rows:
                report.notes.append(f"{name}: {r.reported_rows} {r.reason}")
                log.warning("validate %s: %s: %d %s", params["run_id"], name, r.reported_rows, r.reason)
    conn.execute(
        query("quality/record_run"),
        {
            "run_id": params["run_id"],
            "run_date": params["run_date"],
            "suite": name,
            "table_name": name,
            "success": report.success and report.batch_failure is None,
            "evaluated_rows": report.evaluated_rows,
            "failed_rows": report.quarantined_rows,
            "batch_failure": report.batch_failure,
            "started_at": started_at,
        },
    )
    conn.execute(
        query("quality/record_expectation"),
        [
            {
                "run_id": params["run_id"],
                "suite": name,
                "expectation": o.label,
                "column_name": o.column,
                "success": o.success,
                "unexpected_count": o.unexpected_count,
                "details": json.dumps(
                    {
                        **o.details,
                        **({"note": "; ".join(report.notes)} if o.label.startswith("expect_table_row_count") else {}),
                    },
                    default=str,
                ),
            }
            for o in report.outcomes
        ],
    )
