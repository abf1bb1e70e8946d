"""Turn the database errors a user can cause or fix into one-line FinriskErrors."""

from __future__ import annotations

import sqlalchemy as sa

from finrisk.errors import FinriskError, redact

# PostgreSQL error codes that mean the schema is not (fully) there
_MISSING = {"42P01": "a table is missing", "3F000": "a schema is missing", "42703": "a column is missing"}


def _first_line(exc: sa.exc.DBAPIError) -> str:
    text = str(exc.orig).strip().splitlines() if exc.orig is not None else []
    return redact(text[0]) if text else type(exc).__name__


def explain(exc: BaseException) -> FinriskError | None:
    """A one-line FinriskError for an expected database failure, or None for a real bug."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return None
    code = getattr(exc.orig, "pgcode", None)
    if code in _MISSING:
        return FinriskError(f"{_MISSING[code]} in the warehouse ({_first_line(exc)}); run `finrisk db upgrade` first")
    if code == "42501":
        return FinriskError(f"permission denied in the warehouse: {_first_line(exc)}")
    if isinstance(exc, sa.exc.OperationalError):
        return FinriskError(f"warehouse connection failed: {_first_line(exc)}")
    return None
