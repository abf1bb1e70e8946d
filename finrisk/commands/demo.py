"""CLI commands for demo data; each is a thin call into the library."""

from __future__ import annotations

import typer

from finrisk.logs import echo


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""

    @app.command("demo-data")
    def demo_data(
        customers: int = typer.Option(10_000, "--customers", help="number of customers to generate"),
        days: int = typer.Option(90, "--days", help="days of card transactions, ending on the end date"),
        seed: int = typer.Option(42, "--seed", help="random seed; the same seed and arguments give identical rows"),
        end_date: str | None = typer.Option(
            None, "--end-date", help="last day of the window, YYYY-MM-DD (default today)"
        ),
    ) -> None:
        """Replace the source tables with a believable, deterministic demo bank."""
        from finrisk.commands.dates import parse_date
        from finrisk.config import get_settings
        from finrisk.demo import generate

        end = parse_date(end_date) if end_date else None
        summary = generate(get_settings(), customers, days, seed, end, progress=False)
        echo(summary.line())
