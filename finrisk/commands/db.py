"""CLI commands for the warehouse schema and the embedded server: db upgrade, db stop."""

from __future__ import annotations

import typer

from finrisk.logs import echo


def register(app: typer.Typer) -> None:
    """Add the `db` command group to the root app."""
    db_app = typer.Typer(help="Warehouse schema management and the embedded server.", no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    def db_upgrade(
        repair: bool = typer.Option(False, "--repair", help="re-create missing objects of applied migrations"),
    ) -> None:
        """Apply pending migrations under sql/migrations (idempotent); check applied ones are intact."""
        from finrisk.config import get_settings
        from finrisk.db.engine import describe, get_engine, warehouse_url
        from finrisk.db.migrate import upgrade
        from finrisk.db.repair import repair as repair_missing

        settings = get_settings()
        engine = get_engine(settings)
        target = describe(warehouse_url(settings))
        if repair:
            rebuilt = repair_missing(engine)
            if rebuilt:
                echo(f"re-created {len(rebuilt)} missing object(s) in {target}: {', '.join(rebuilt)}")
            else:
                echo(f"nothing to repair in {target}")
        applied = upgrade(engine)
        echo(f"applied {len(applied)} migration(s) to {target}" if applied else f"{target} is up to date")

    @db_app.command("stop")
    def db_stop() -> None:
        """Stop the embedded PostgreSQL under the data folder (a configured warehouse is left alone)."""
        from finrisk.config import get_settings
        from finrisk.db.embedded import stop

        settings = get_settings()
        where = settings.data_path / "pg"
        if stop(settings.data_path):
            echo(f"embedded PostgreSQL under {where} stopped")
        else:
            echo(f"no embedded PostgreSQL is running under {where}")
