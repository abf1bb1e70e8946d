"""The `finrisk` command line: every command is a thin call into a library function.

Every command has the quick start's console (`finrisk.logs`): one line per step, a progress bar
with an ETA on the long ones, the result; logs, library warnings and library output go to
`<data>/logs/<command>.log`; `-v` makes that log DEBUG. Expected failures (a FinriskError) print
one line and exit 1, a usage error one line and exit 2, an unexpected one a line naming the log,
with no traceback on the console. Nothing it prints or logs shows a password: every message and
log record passes `redact`. When a command used the embedded PostgreSQL, its last line says the
server is still up and how to stop it.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC

import typer
from typer.core import TyperGroup

from finrisk import logs
from finrisk.commands.dates import parse_date
from finrisk.errors import FinriskError, one_line, redact

log = logging.getLogger("finrisk.cli")


class _Root(TyperGroup):
    """The root group; it keeps the command line for the callback, which asks whether help was wanted."""

    def invoke(self, ctx):
        ctx.meta["finrisk.args"] = [*ctx._protected_args, *ctx.args]
        return super().invoke(ctx)


app = typer.Typer(
    cls=_Root,
    help="finrisk: nightly batch risk platform (ingest, validate, train, score, publish).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain click help: no `<bool>` after flags
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


def _settings():
    """The settings, or a one-line error naming the setting that does not validate."""
    from pydantic import ValidationError

    from finrisk.config import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "settings"
        raise FinriskError(f"setting {where} is not valid: {first.get('msg', 'invalid value')}") from None


@app.callback()
def _root(
    ctx: typer.Context, verbose: bool = typer.Option(False, "--verbose", "-v", help="debug logging in the log file")
) -> None:
    _redacting_records()
    args = ctx.meta.get("finrisk.args", [])
    command = ctx.command.get_command(ctx, ctx.invoked_subcommand) if ctx.invoked_subcommand else None
    if ctx.resilient_parsing or command is None or "--help" in args or (hasattr(command, "commands") and len(args) < 2):
        return  # help goes to the console as it is
    settings = _settings()
    log_file = settings.data_path / "logs" / f"{ctx.invoked_subcommand}.log"
    console = logs.start(log_file, verbose, settings.log_level)
    ctx.call_on_close(console.close)
    log.info("finrisk %s", " ".join(redact(arg) for arg in sys.argv[1:]))


@app.command("nightly")
def nightly(
    date: str = typer.Option(None, "--date", help="run date, YYYY-MM-DD (default: today, UTC)"),
    demo_customers: int = typer.Option(3000, help="customers of demo data to generate when source.* is empty"),
    demo_days: int = typer.Option(90, help="days of demo transactions to generate when source.* is empty"),
    no_demo: bool = typer.Option(False, "--no-demo", help="never generate demo data"),
    train: str = typer.Option(
        None,
        help="missing: train models with no champion; always; never (default: FINRISK_TRAIN__POLICY, else missing)",
    ),
) -> None:
    """Run the whole night: migrations, (demo data), ingest, validate, train, score; print where results are."""
    from datetime import datetime

    from finrisk.config import get_settings
    from finrisk.dates import require_run_date
    from finrisk.pipeline import DemoOptions, run_nightly

    run_date = parse_date(date) if date else datetime.now(UTC).date()
    require_run_date(get_settings(), run_date)  # before migrations or demo data: every step would refuse it
    demo = None if no_demo else DemoOptions(customers=demo_customers, days=demo_days)
    result = run_nightly(get_settings(), run_date, demo, echo=lambda line: logs.echo(line, err=True), train=train)
    logs.echo(f"nightly run for {run_date} finished. Results:")
    for name, where in result.where.items():
        logs.echo(f"  {name:<12} {where}")


def _register_commands() -> None:
    # Each area adds its commands in its own module, so the areas stay independent.
    from finrisk.commands import approve, backtest, data, db, demo, modeling, scoring, ui

    for module in (db, demo, data, modeling, approve, scoring, backtest, ui):
        module.register(app)


_register_commands()


# typer >= 0.29 vendors its own click: its usage errors are not click's classes.
from typer._click.exceptions import ClickException, NoArgsIsHelpError  # noqa: E402


def _embedded_notice() -> None:
    """The last line after a command that used the embedded server: it is still up, and how to stop it."""
    from finrisk.db.embedded import server_pid, used

    for data_dir in used():
        if server_pid(data_dir) is not None:
            typer.echo(
                f"finrisk: the embedded PostgreSQL under {data_dir / 'pg'} is still running; "
                "stop it with `finrisk db stop`",
                err=True,
            )


def _usage_line(exc: ClickException) -> str:
    """A usage error in one line: the reason and where the help is."""
    ctx = getattr(exc, "ctx", None)
    where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    return f"finrisk: error: {one_line(exc.format_message())}{where}"


def _details() -> str:
    return f" (details: {logs.log_file()})" if logs.log_file() is not None else ""


def _run() -> int:
    """Run the app; returns the exit code. Every error is one line on stderr, with passwords masked."""
    try:
        app(prog_name="finrisk", standalone_mode=False)
        return 0
    except FinriskError as exc:
        log.info("failed: %s", exc, exc_info=True)
        typer.echo(redact(f"finrisk: error: {exc}"), err=True)
        return 1
    except typer.Abort:
        typer.echo("finrisk: aborted", err=True)
        return 130
    except NoArgsIsHelpError as exc:  # `finrisk` or `finrisk db` alone: the help, as click shows it
        exc.show()
        return exc.exit_code
    except ClickException as exc:
        typer.echo(redact(_usage_line(exc)), err=True)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:
        from finrisk.db.errors import explain

        expected = explain(exc)
        if expected is None:
            # a bug: its traceback goes to the log file (redacted by the record factory), one line to the console
            if logs.log_file() is not None:
                log.exception("unexpected error")
            typer.echo(redact(f"finrisk: error: {type(exc).__name__}: {one_line(exc)}{_details()}"), err=True)
            return 1
        log.info("failed: %s", expected, exc_info=True)
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
