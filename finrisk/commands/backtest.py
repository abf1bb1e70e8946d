"""CLI command for outcomes analysis: `finrisk backtest`; a thin call into `finrisk.backtest.run`."""

from __future__ import annotations

import typer

from finrisk.logs import bar, echo


def register(app: typer.Typer) -> None:
    """Add this area's command to the root app."""

    @app.command("backtest")
    def backtest_command(
        as_of: str = typer.Option(
            None, "--as-of", help="outcomes known by the end of this date, YYYY-MM-DD (default: today, UTC)"
        ),
        since: str = typer.Option(None, "--from", help="first outcome snapshot date (default: all)"),
        until: str = typer.Option(None, "--to", help="last outcome snapshot date (default: --as-of)"),
        source: str = typer.Option(
            "auto",
            "--source",
            help="published: the PDs published, per version; point-in-time: score past snapshots; "
            "auto: published, else the champion point in time",
        ),
        version: str | None = typer.Option(None, "--version", help="back-test this PD model version point in time"),
    ) -> None:
        """Compare published PDs with the defaults that followed, per band and overall; store in risk.*."""
        from datetime import UTC, datetime

        from finrisk.backtest.run import SOURCES, backtest
        from finrisk.commands.dates import parse_date
        from finrisk.config import get_settings
        from finrisk.errors import FinriskError

        if source not in SOURCES:
            raise FinriskError(f"--source {source!r} is not one of {', '.join(SOURCES)}")
        day = parse_date(as_of) if as_of else datetime.now(UTC).date()
        echo(f"back-testing PDs on outcomes known by {day} ...", err=True)
        bars: list = []

        def progress(n: int) -> None:  # a bar only when past snapshots are scored (point in time)
            if not bars:
                bars.append(bar("  scoring past snapshots", None, "customers"))
            bars[0].update(n)

        try:
            report = backtest(
                get_settings(),
                day,
                parse_date(since) if since else None,
                parse_date(until) if until else None,
                source,
                version,
                progress=progress,
            )
        finally:
            for each in bars:
                each.close()
        for line in report.lines():
            echo(line)
        echo("stored in risk.backtest_results, risk.latest_backtests, risk.model_inventory")
