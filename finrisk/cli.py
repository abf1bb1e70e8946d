"""The `finrisk` command line: every command is a thin call into a library function.

Expected failures (a FinriskError) print one line and exit 1, with no traceback.
"""

from __future__ import annotations

import sys
from datetime import date

import typer

from finrisk import logs
from finrisk.errors import FinriskError

app = typer.Typer(
    help="finrisk: nightly batch risk platform (ingest, validate, train, score, publish).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Warehouse schema management.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="debug logging")) -> None:
    logs.configure(verbose)


def parse_date(value: str) -> date:
    """A run date from YYYY-MM-DD, or a one-line error naming it."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FinriskError(f"date {value!r} is not a valid YYYY-MM-DD date") from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations under sql/migrations (idempotent)."""
    from finrisk.config import get_settings
    from finrisk.db.engine import describe, get_engine, warehouse_url
    from finrisk.db.migrate import upgrade

    settings = get_settings()
    engine = get_engine(settings)
    applied = upgrade(engine)
    target = describe(warehouse_url(settings))
    typer.echo(f"applied {len(applied)} migration(s) to {target}" if applied else f"{target} is up to date")


@app.command("nightly")
def nightly(
    date: str = typer.Option(None, "--date", help="run date, YYYY-MM-DD (default: today, UTC)"),
    demo_customers: int = typer.Option(3000, help="customers of demo data to generate when source.* is empty"),
    demo_days: int = typer.Option(90, help="days of demo transactions to generate when source.* is empty"),
    no_demo: bool = typer.Option(False, "--no-demo", help="never generate demo data"),
    train: str = typer.Option(None, help="missing: train models with no champion; always; never "
                                          "(default: FINRISK_TRAIN__POLICY, else missing)"),
) -> None:
    """Run the whole night: migrations, (demo data), ingest, validate, train, score; print where results are."""
    from datetime import datetime, timezone

    from finrisk.config import get_settings
    from finrisk.pipeline import DemoOptions, run_nightly

    run_date = parse_date(date) if date else datetime.now(timezone.utc).date()
    demo = None if no_demo else DemoOptions(customers=demo_customers, days=demo_days)
    result = run_nightly(get_settings(), run_date, demo, echo=lambda line: typer.echo(line, err=True), train=train)
    typer.echo(f"nightly run for {run_date} finished. Results:")
    for name, where in result.where.items():
        typer.echo(f"  {name:<12} {where}")


def _register_commands() -> None:
    # Each area adds its commands in its own module, so the areas stay independent.
    from finrisk.commands import data, demo, modeling, scoring

    for module in (demo, data, modeling, scoring):
        module.register(app)


_register_commands()


# typer >= 0.29 vendors its own click: its usage errors are not click's classes.
from typer._click.exceptions import ClickException  # noqa: E402


def main() -> None:
    """Entry point: run the app, turning expected errors into one line and exit 1."""
    try:
        app(standalone_mode=False)
    except FinriskError as exc:
        typer.echo(f"finrisk: error: {exc}", err=True)
        sys.exit(1)
    except typer.Abort:
        typer.echo("finrisk: aborted", err=True)
        sys.exit(130)
    except ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        from finrisk.db.errors import explain

        expected = explain(exc)
        if expected is None:
            raise
        typer.echo(f"finrisk: error: {expected}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
