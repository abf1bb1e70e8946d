"""Run dates from the command line: one parser the root CLI and every command module share.

It lives below both, so `finrisk.cli` imports the command modules and never the reverse.
"""

from __future__ import annotations

from datetime import date

from finrisk.errors import FinriskError


def parse_date(value: str) -> date:
    """A run date from YYYY-MM-DD, or a one-line error naming it."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FinriskError(f"date {value!r} is not a valid YYYY-MM-DD date") from None
