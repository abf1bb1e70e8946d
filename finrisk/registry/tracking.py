"""Where MLflow lives: the configured tracking server, or the embedded server's `mlflow` database.

`connect` checks the server answers before any training starts, so an unreachable server
fails in seconds with one line and nothing half-registered.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from finrisk.config import Settings, psycopg2_url, set_default_environment
from finrisk.errors import FinriskError, mask_url, redact

log = logging.getLogger(__name__)


def tracking_uri(settings: Settings) -> str:
    """MLFLOW_TRACKING_URI / settings, else the embedded PostgreSQL's mlflow database."""
    if settings.mlflow_tracking_uri:
        return psycopg2_url(settings.mlflow_tracking_uri)
    from finrisk.db.embedded import embedded_url

    return embedded_url(settings.data_path, "mlflow")


def artifact_root(settings: Settings) -> Path:
    """The folder under the data directory that holds every experiment's artifacts."""
    path = settings.data_path / "mlartifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _describe(uri: str) -> str:
    """The URI with any password masked."""
    return mask_url(uri)


def check_reachable(uri: str) -> None:
    """One quick round trip to the tracking backend, or a one-line FinriskError."""
    if uri.startswith(("http://", "https://")):
        import requests

        try:
            requests.get(uri.rstrip("/") + "/health", timeout=5).raise_for_status()
        except requests.RequestException as exc:
            raise FinriskError(
                f"MLflow tracking server {_describe(uri)} is unreachable: {type(exc).__name__}"
            ) from None
    elif uri.startswith("postgresql"):
        import sqlalchemy as sa

        try:
            engine = sa.create_engine(uri, connect_args={"connect_timeout": 5}, poolclass=sa.pool.NullPool)
        except Exception as exc:  # a malformed URL or an unknown driver
            raise FinriskError(f"MLflow tracking URI {_describe(uri)} is not valid: {redact(str(exc))}") from None
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
        except sa.exc.SQLAlchemyError as exc:
            reason = redact((str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0])
            raise FinriskError(f"MLflow backend {_describe(uri)} is unreachable: {reason}") from None
        finally:
            engine.dispose()


_CONNECTED: set[str] = set()  # URIs checked and set in this process: a command connects once


def connect(settings: Settings) -> str:
    """Point the mlflow module at this settings' backend, checking once per process that it answers; returns the URI.

    The one place MLflow is set up: the HTTP retry and timeout defaults, the health check, the global
    tracking and registry URIs. Later calls with the same backend only return its URI.
    """
    uri = tracking_uri(settings)
    if uri in _CONNECTED and _current_uri() == uri:
        return uri
    import mlflow

    set_default_environment({"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"})
    check_reachable(uri)
    try:
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
    except Exception as exc:  # MLflow echoes the URI it rejects
        raise FinriskError(
            f"MLflow tracking URI {_describe(uri)} is not valid: {redact(str(exc).splitlines()[0])}"
        ) from None
    _CONNECTED.add(uri)
    return uri


def _current_uri() -> str | None:
    import mlflow

    try:
        return mlflow.get_tracking_uri()
    except Exception:
        return None


@lru_cache(maxsize=8)
def _client(uri: str):
    from mlflow import MlflowClient

    try:
        return MlflowClient(tracking_uri=uri, registry_uri=uri)
    except Exception as exc:  # an unsupported scheme: MLflow's message repeats the URI
        raise FinriskError(
            f"MLflow tracking URI {_describe(uri)} is not usable: {redact(str(exc).splitlines()[0])}"
        ) from None


def client(settings: Settings):
    """The MlflowClient of this settings' backend: made once per backend and process, after `connect`."""
    return _client(connect(settings))


def ensure_experiment(settings: Settings, name: str) -> str:
    """The experiment id for `name`, created with its artifacts under the data folder."""
    import mlflow

    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    location = (artifact_root(settings) / name).as_uri()
    return mlflow.create_experiment(name, artifact_location=location)
