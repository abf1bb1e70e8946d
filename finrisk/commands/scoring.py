"""CLI commands for the scoring area; each is a thin call into the library."""

from __future__ import annotations

import typer

from finrisk.errors import FinriskError
from finrisk.features.records import check_shard
from finrisk.logs import bar, echo


def _parse_shard(value: str | None) -> tuple[int, int] | None:
    """'i/n' -> (i, n), or a one-line error."""
    if value is None:
        return None
    try:
        i, n = (int(part) for part in value.split("/"))
    except ValueError:
        raise FinriskError(f"shard {value!r} is not i/n (e.g. 0/4)") from None
    return check_shard(i, n)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""

    @app.command("score")
    def score_command(
        date: str = typer.Option(..., "--date", help="score date, YYYY-MM-DD"),
        shard: str | None = typer.Option(None, "--shard", help="score one slice i/n into staging; publish merges"),
        skip_validation_check: bool = typer.Option(
            False,
            "--skip-validation-check",
            help="emergency only: score even without a passed validation run for the date (recorded with the run)",
        ),
    ) -> None:
        """Score customers, the day's transactions and news with the champions; publish unless --shard."""
        from finrisk.commands.dates import parse_date
        from finrisk.config import get_settings
        from finrisk.scoring.run import score

        score_date = parse_date(date)
        echo(f"scoring {score_date}" + (f" (shard {shard})" if shard else "") + " with the champions ...", err=True)
        bars: dict = {}

        def progress(model: str, n: int) -> None:
            if model not in bars:
                bars[model] = bar(f"  {model:<6}", None, "rows")
            bars[model].update(n)

        try:
            result = score(
                get_settings(),
                score_date,
                _parse_shard(shard),
                progress=progress,
                skip_validation_check=skip_validation_check,
            )
        finally:
            for each in bars.values():
                each.close()
        echo(result.summary())

    @app.command("publish")
    def publish_command(date: str = typer.Option(..., "--date", help="score date, YYYY-MM-DD")) -> None:
        """Audit every staged shard of a date and replace the date in risk.* in one transaction."""
        from finrisk.commands.dates import parse_date
        from finrisk.config import get_settings
        from finrisk.scoring.run import publish

        echo(publish(get_settings(), parse_date(date)).summary())
