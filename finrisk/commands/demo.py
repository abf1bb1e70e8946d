"""CLI commands for demo data; each is a thin call into the library."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
