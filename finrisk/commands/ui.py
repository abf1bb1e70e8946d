"""`finrisk ui`: the Airflow UI and the MLflow UI of this install, on loopback ports, until Ctrl-C."""

from __future__ import annotations

import typer

from finrisk.logs import echo


def register(app: typer.Typer) -> None:
    """Add the `ui` command to the root app."""

    @app.command("ui")
    def ui(
        airflow_port: int = typer.Option(8080, help="loopback port of the Airflow UI (api-server)"),
        mlflow_port: int = typer.Option(5000, help="loopback port of the MLflow UI"),
    ) -> None:
        """Start the Airflow UI and the MLflow UI on 127.0.0.1 (the quick start's backends); Ctrl-C stops both."""
        from finrisk.config import get_settings
        from finrisk.quality.suites import docs_dir
        from finrisk.ui import serve_until_interrupted, start_both

        settings = get_settings()
        echo("starting the Airflow UI and the MLflow UI ...", err=True)
        servers = start_both(settings, airflow_port, mlflow_port)
        airflow, mlflow = servers
        logs = settings.data_path / "logs"
        docs = docs_dir(settings.data_path) / "index.html"
        echo(
            f"Airflow UI  {airflow.url}/dags/finrisk_nightly\n"
            f"            no login: this local demo runs Airflow's simple auth manager with "
            f"AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True\n"
            f"            (everyone is admin; fine on 127.0.0.1 only, never on a shared host)\n"
            f"MLflow UI   {mlflow.url}/#/models/finrisk-credit\n"
            f"            no login (MLflow's tracking server has no authentication by default)\n"
            f"Data Docs   {docs.as_uri()} (a file: opens offline in any browser)\n"
            f"logs        {logs / 'airflow-ui.log'}, {logs / 'mlflow-ui.log'}\n"
            f"Ctrl-C stops both."
        )
        serve_until_interrupted(servers)
        echo("stopped the Airflow UI and the MLflow UI", err=True)
