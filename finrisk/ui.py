"""The two UIs of a local install: the Airflow UI (api-server) and the MLflow UI, on loopback ports
and on the same backends as the quick start (the embedded PostgreSQL's `airflow` and `mlflow`
databases, or whatever FINRISK_* / MLFLOW_TRACKING_URI / AIRFLOW__DATABASE__SQL_ALCHEMY_CONN name).

finrisk never imports airflow or starts MLflow in-process: each UI is a child process in a session
of its own, so `stop` ends it with everything it spawned (uvicorn and gunicorn workers included).
The browser tests start the same servers through `start_airflow` and `start_mlflow`.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from finrisk.config import Settings
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
AIRFLOW_HEALTH = "/api/v2/monitor/health"
MLFLOW_HEALTH = "/health"


@dataclass
class Server:
    """One UI server: its name, URL, process and log file."""

    name: str
    url: str
    process: subprocess.Popen
    log_file: Path
    health_path: str

    def running(self) -> bool:
        """True while the process has not exited."""
        return self.process.poll() is None


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nobody listens on right now (for tests and `--port 0`)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _check_port(host: str, port: int, option: str) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise FinriskError(f"port {port} on {host} is in use: stop what listens there or pass {option}") from None


def _spawn(name: str, command: list[str], env: Mapping[str, str], log_file: Path, url: str, health: str) -> Server:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a") as out:
        out.write(f"\n$ {' '.join(command[:3])} ...\n")
        out.flush()
        process = subprocess.Popen(
            command,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    log.info("%s UI starting at %s (pid %d, log %s)", name, url, process.pid, log_file)
    return Server(name, url, process, log_file, health)


def with_venv_path(env: Mapping[str, str]) -> dict[str, str]:
    """`env` with this interpreter's bin folder first on PATH, so `airflow` is found without activation."""
    env = dict(env)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
    return env


def start_airflow(env: Mapping[str, str], port: int, log_file: Path, host: str = LOOPBACK) -> Server:
    """Start `airflow api-server` with `env` (see finrisk.airflow_env.airflow_env) on host:port."""
    _check_port(host, port, "--airflow-port")
    command = ["airflow", "api-server", "--host", host, "--port", str(port), "--workers", "1"]
    return _spawn("Airflow", command, with_venv_path(env), log_file, f"http://{host}:{port}", AIRFLOW_HEALTH)


def start_mlflow(
    tracking_uri: str,
    artifact_root: Path,
    port: int,
    log_file: Path,
    host: str = LOOPBACK,
    env: Mapping[str, str] | None = None,
) -> Server:
    """Start the MLflow UI (`mlflow server`) on a backend store, showing artifacts from `artifact_root`."""
    _check_port(host, port, "--mlflow-port")
    command = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--backend-store-uri",
        tracking_uri,
        "--default-artifact-root",
        artifact_root.as_uri(),
        "--no-serve-artifacts",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    return _spawn(
        "MLflow", command, os.environ if env is None else env, log_file, f"http://{host}:{port}", MLFLOW_HEALTH
    )


def wait_ready(servers: list[Server], timeout: float = 120.0) -> None:
    """Wait until every server answers its health URL; a one-line error if one exits or is too slow."""
    deadline = time.monotonic() + timeout
    pending = list(servers)
    while pending:
        for server in list(pending):
            if not server.running():
                raise FinriskError(
                    f"the {server.name} UI exited with code {server.process.returncode} "
                    f"before it answered (log: {server.log_file})"
                )
            try:
                with urllib.request.urlopen(server.url + server.health_path, timeout=5) as response:
                    if response.status == 200:
                        pending.remove(server)
            except (urllib.error.URLError, OSError):
                pass
        if pending and time.monotonic() > deadline:
            names = ", ".join(s.name for s in pending)
            raise FinriskError(f"{names} UI did not answer within {timeout:.0f} s (log: {pending[0].log_file})")
        if pending:
            time.sleep(0.5)


def stop(servers: list[Server], grace: float = 15.0) -> None:
    """Stop each server and everything it spawned: SIGTERM to its session, SIGKILL after `grace`."""
    for server in servers:
        if server.running():
            _signal(server, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for server in servers:
        try:
            server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal(server, signal.SIGKILL)
            server.process.wait(timeout=10)
        _signal(server, signal.SIGKILL)  # workers that outlived their parent


def _signal(server: Server, sig: int) -> None:
    try:
        os.killpg(server.process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def start_both(settings: Settings, airflow_port: int, mlflow_port: int) -> list[Server]:
    """Set up the project-local Airflow (migrate, pool) and start both UIs on the quick start's backends."""
    from finrisk.airflow_env import airflow_env, metadata_url, set_up
    from finrisk.registry.tracking import artifact_root, tracking_uri

    _check_port(LOOPBACK, airflow_port, "--airflow-port")
    _check_port(LOOPBACK, mlflow_port, "--mlflow-port")
    logs = settings.data_path / "logs"
    env = with_venv_path(airflow_env(settings.data_path / "airflow", metadata_url(settings)))
    set_up(env, settings, log_file=logs / "ui.log")
    servers = [start_airflow(env, airflow_port, logs / "airflow-ui.log")]
    try:
        servers.append(
            start_mlflow(tracking_uri(settings), artifact_root(settings), mlflow_port, logs / "mlflow-ui.log")
        )
        wait_ready(servers)
    except BaseException:
        stop(servers)
        raise
    return servers


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def serve_until_interrupted(servers: list[Server]) -> None:
    """Block until Ctrl-C, SIGTERM or SIGHUP (then stop both) or until one server dies (then stop the other and
    say so). SIGINT is handled even when the shell started us in the background with it ignored."""
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        while all(s.running() for s in servers):
            time.sleep(1)
    except KeyboardInterrupt:
        stop(servers)
        return
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    dead = next(s for s in servers if not s.running())
    stop(servers)
    raise FinriskError(f"the {dead.name} UI stopped with code {dead.process.returncode} (log: {dead.log_file})")
