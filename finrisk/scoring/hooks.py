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
    """`at(point)` runs at each named point; `after_stage()` (kept for older tests) at "staged"."""

    at: Callable[[str], None] | None = None
    after_stage: Callable[[], None] | None = None


def reached(point: str) -> None:
    """Call the hooks registered for a named point (no-op in production)."""
    if point == "staged" and Hooks.after_stage is not None:
        Hooks.after_stage()
    if Hooks.at is not None:
        Hooks.at(point)
