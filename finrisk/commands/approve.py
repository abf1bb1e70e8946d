"""CLI command `finrisk approve`: a second person makes a version that passed the gate champion (four-eyes)."""

from __future__ import annotations

import typer

from finrisk.logs import echo


def register(app: typer.Typer) -> None:
    """Add `approve` to the root app."""

    @app.command("approve")
    def approve_cmd(
        model: str = typer.Argument(..., help="credit, fraud or news"),
        version: int = typer.Argument(..., help="the version to approve"),
        reason: str = typer.Option(
            ..., "--reason", help="why it may go live: recorded in the audit and on the version"
        ),
        override_fairness: bool = typer.Option(
            False,
            "--override-fairness",
            help="promote a version the fairness breach alone kept back (the reason is recorded as the override's)",
        ),
    ) -> None:
        """Approve a version as champion: not by its trainer; audited in ops.model_promotions and tagged."""
        from finrisk.config import get_settings
        from finrisk.registry.approval import approve

        done = approve(get_settings(), model, version, reason, override_fairness=override_fairness)
        echo(
            f"{done['model']}: version {done['version']} approved by {done['approver']} (trained by "
            f"{done['trained_by'] or 'unknown'}, gate {done['gate_verdict']}"
            + (", fairness breach overridden" if done["fairness_override"] else "")
            + f"); champion is now version {done['version']} (was {done['previous_version'] or 'none'})"
        )
