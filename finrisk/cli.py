"""The `finrisk` command line: every command is a thin call into a library function.

Expected failures (a FinriskError) print one line and exit 1, with no traceback. Nothing
it prints or logs shows a password: every message and log record passes `redact`. When a
command used the embedded PostgreSQL, its last line says the server is still up and how
to stop it.
"""

from __future__ import annotations

import logging
import sys

import typer

from finrisk import logs
from finrisk.commands.dates import parse_date
from finrisk.errors import FinriskError, redact

app = typer.Typer(
    help="finrisk: nightly batch risk platform (ingest, validate, train, score, publish).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
__all__ = ["app", "main", "parse_date"]


def _redacting_records() -> None:
    """Every log record this process creates has passwords masked, whichever handler (console, file) writes it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "finrisk_redacts", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: leave it to the handler
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    factory.finrisk_redacts = True
    logging.setLogRecordFactory(factory)


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="debug logging")) -> None:
    _redacting_records()
    logs.configure(verbose)


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
    from finrisk.dates import require_run_date
    from finrisk.pipeline import DemoOptions, run_nightly

    run_date = parse_date(date) if date else datetime.now(timezone.utc).date()
    require_run_date(get_settings(), run_date)  # before migrations or demo data: every step would refuse it
    demo = None if no_demo else DemoOptions(customers=demo_customers, days=demo_days)
    result = run_nightly(get_settings(), run_date, demo, echo=lambda line: typer.echo(line, err=True), train=train)
    typer.echo(f"nightly run for {run_date} finished. Results:")
    for name, where in result.where.items():
        typer.echo(f"  {name:<12} {where}")


def _register_commands() -> None:
    # Each area adds its commands in its own module, so the areas stay independent.
    from finrisk.commands import data, db, demo, modeling, scoring, ui

    for module in (db, demo, data, modeling, scoring, ui):
        module.register(app)


_register_commands()


# typer >= 0.29 vendors its own click: its usage errors are not click's classes.
from typer._click.exceptions import ClickException  # noqa: E402


def _embedded_notice() -> None:
    """The last line after a command that used the embedded server: it is still up, and how to stop it."""
    from finrisk.db.embedded import server_pid, used

    for data_dir in used():
        if server_pid(data_dir) is not None:
            typer.echo(f"finrisk: the embedded PostgreSQL under {data_dir / 'pg'} is still running; "
                       "stop it with `finrisk db stop`", err=True)


def _run() -> int:
    """Run the app; returns the exit code. Expected errors are one line, with passwords masked."""
    try:
        app(standalone_mode=False)
        return 0
    except FinriskError as exc:
        typer.echo(redact(f"finrisk: error: {exc}"), err=True)
        return 1
    except typer.Abort:
        typer.echo("finrisk: aborted", err=True)
        return 130
    except ClickException as exc:
        import io

        shown = io.StringIO()
        exc.show(file=shown)
        typer.echo(redact(shown.getvalue()).rstrip(), err=True)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:
        from finrisk.db.errors import explain

        expected = explain(exc)
        if expected is None:
            # a bug: show the traceback, but never a password that a driver echoed into it
            import traceback

            typer.echo(redact(traceback.format_exc()).rstrip(), err=True)
            return 1
        typer.echo(redact(f"finrisk: error: {expected}"), err=True)
        return 1


def main() -> None:
    """Entry point: run the app, turning expected errors into one line and exit 1."""
    _redacting_records()
    code = _run()
    try:
        _embedded_notice()
    except Exception:  # the notice is a courtesy; it never changes the outcome
        pass
    sys.exit(code)


if __name__ == "__main__":
    main()
