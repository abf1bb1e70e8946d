"""CLI commands for the modeling area: train, promote, models. Each is a thin call into the library."""

from __future__ import annotations

import math

import typer

from finrisk.logs import echo

MODEL_HELP = "credit, fraud or news"


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.4f}"
    return str(value)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""

    @app.command("train")
    def train(
        model: str = typer.Argument(..., help=MODEL_HELP),
        epochs: int | None = typer.Option(None, "--epochs", help="passes over the training split"),
        max_steps: int | None = typer.Option(None, "--max-steps", help="stop after this many steps (-1: no limit)"),
        base_model: str | None = typer.Option(None, "--base-model", help="local path or hub name of the encoder"),
        batch_size: int | None = typer.Option(None, "--batch-size", help="examples per step"),
        max_length: int | None = typer.Option(None, "--max-length", help="tokens per example"),
    ) -> None:
        """Train, evaluate, register and gate a model; prints metrics against baseline and champion."""
        from finrisk import progress
        from finrisk.config import get_settings
        from finrisk.logs import bar
        from finrisk.models.args import TrainArgs
        from finrisk.models.report import metric_rows
        from finrisk.models.specs import get_spec
        from finrisk.training.train import train_model

        settings = get_settings()
        args = TrainArgs.from_settings(
            settings,
            epochs=epochs,
            max_steps=max_steps,
            base_model=base_model,
            batch_size=batch_size,
            max_length=max_length,
        )
        name = get_spec(model).registered_name
        echo(f"training {name}: load, fit, evaluate against baseline and champion, register, gate ...", err=True)
        with (
            bar(f"  {name}", 1, "texts embedded / fine-tuning steps") as shown,
            progress.listening(progress.TrainTally(shown)),
        ):
            result = train_model(settings, model, args)
        echo(f"{result.registered_name} version {result.version} (run {result.run_id})")
        echo(f"{'metric':<10} {'model':>8} {'baseline':>9} {'champion':>9}")
        for row in metric_rows(result.metrics, result.baseline_metrics, result.champion_metrics):
            echo(
                f"{row['metric']:<10} {_cell(row['model']):>8} {_cell(row['baseline']):>9} {_cell(row['champion']):>9}"
            )
        echo(f"gate: {result.decision.decision} — " + "; ".join(result.decision.reasons))

    @app.command("promote")
    def promote_cmd(
        model: str = typer.Argument(..., help=MODEL_HELP),
        version: int | None = typer.Option(None, "--version", help="version to promote (default: the challenger)"),
        reconcile: bool = typer.Option(
            False, "--reconcile", help="only settle pending audit rows from what MLflow shows; promote nothing"
        ),
    ) -> None:
        """Move the champion alias to a version, audited before (pending) and after (done)."""
        from finrisk.config import get_settings
        from finrisk.models.specs import get_spec
        from finrisk.registry.promote import promote, settle_pending
        from finrisk.registry.tracking import client as mlflow_client

        settings = get_settings()
        if reconcile:
            name = get_spec(model).registered_name
            settled = settle_pending(settings, mlflow_client(settings), name)
            echo(
                f"{name}: "
                + (
                    "; ".join(
                        f"audit row {r['promotion_id']} (version {r['version']}, {r['decision']}) is {r['status']}"
                        for r in settled
                    )
                    or "no pending audit rows"
                )
            )
            return
        done = promote(settings, model, version)
        echo(
            f"{done['model']}: champion is now version {done['version']} "
            f"(was {done['previous_version'] or 'none'}), by {done['actor']}"
        )

    @app.command("models")
    def models_cmd() -> None:
        """List each model's versions, aliases and key metrics."""
        from finrisk.config import get_settings
        from finrisk.registry.client import list_models

        rows = list_models(get_settings())
        if not rows:
            echo("no registered models yet: run `finrisk train credit|fraud|news`")
            return
        # each model on the metric its gate compares (AUC for credit and fraud, macro-F1 for news)
        echo(f"{'model':<16} {'version':>7}  {'aliases':<20} {'metric':<9} {'holdout':>7} {'baseline':>8}  gate")
        for r in rows:
            echo(
                f"{r['name']:<16} {r['version']:>7}  {','.join(r['aliases']) or '-':<20} "
                f"{r['primary_metric']:<9} {r['primary'] or '-':>7} {r['baseline_primary'] or '-':>8}  "
                f"{r['gate_decision'] or '-'}"
            )
