"""Test seams: named points of a scoring run where a test may stop the process.

The points, in order: "locked" (locks held, nothing staged), "staged" (the shard committed
to risk_stage), "publishing" (inside the publish transaction, every row written, not
committed), "published" (committed, the run not yet recorded as finished). A crash test
sets `Hooks.at` to a function that kills the process at one of them.
"""

from __future__ import annotations

from collections.abc import Callable

POINTS = ("locked", "staged", "publishing", "published")


class Hooks:
    """`at(point)` runs at each named point."""

    at: Callable[[str], None] | None = None


def reached(point: str) -> None:
    """Call the hooks registered for a named point (no-op in production)."""
    if Hooks.at is not None:
        Hooks.at(point)
