"""CLI commands for the data area; each is a thin call into the library."""

from __future__ import annotations

import typer

from finrisk.logs import echo


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""

    @app.command("ingest")
    def ingest(
        date: str = typer.Option(..., "--date", help="run date, YYYY-MM-DD: ingest event times before its end"),
    ) -> None:
        """Move what changed in source.* up to the end of DATE into staging.* (incremental, idempotent)."""
        from finrisk.commands.dates import parse_date
        from finrisk.config import get_settings
        from finrisk.ingest import run_ingest

        run_date = parse_date(date)
        echo(f"ingesting source.* into staging.* up to the end of {run_date} ...", err=True)
        result = run_ingest(get_settings(), run_date)
        late = sum(t.late_rows for t in result.tables.values())
        rows = ", ".join(f"{name}={n}" for name, n in result.rows.items())
        echo(f"ingest {run_date} ({result.run_id}): {result.total_rows} rows ({rows}); {late} late or undated")

    @app.command("validate")
    def validate(
        date: str = typer.Option(..., "--date", help="run date, YYYY-MM-DD: validate the batch ingested for it"),
    ) -> None:
        """Validate the staged batch of DATE with Great Expectations; quarantine failing rows; write Data Docs."""
        from finrisk.commands.dates import parse_date
        from finrisk.config import get_settings
        from finrisk.quality import run_validation

        run_date = parse_date(date)
        echo(f"validating the staged batch of {run_date} ...", err=True)
        report = run_validation(get_settings(), run_date)
        for table in report.tables.values():
            failed = ", ".join(table.failed_expectations) or "none"
            echo(
                f"  staging.{table.table}: {table.evaluated_rows} rows, quarantined {table.quarantined_rows} "
                f"({table.new_quarantined_rows} new), failed expectations: {failed}",
                err=True,
            )
        failed_total = sum(len(t.failed_expectations) for t in report.tables.values())
        rows = ", ".join(f"{t.table}={t.evaluated_rows}" for t in report.tables.values())
        echo(
            f"validate {run_date} ({report.run_id}): {rows}; {failed_total} failed expectations; "
            f"{report.quarantined_rows} rows quarantined; Data Docs: {report.index_html}"
        )
