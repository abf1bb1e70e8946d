"""The production docker-compose.yml: `docker-compose config` validates it (no Docker engine is
needed to parse it) and the resolved file has the services, queues, GPU reservation, executor,
databases, health checks and secrets handling the deployment promises.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
INIT_SCRIPT = ROOT / "deploy" / "postgres" / "init-databases.sh"

AIRFLOW = ("airflow-init", "api-server", "scheduler", "dag-processor", "triggerer", "worker", "worker-gpu")
SERVICES = {"postgres", "redis", "mlflow", *AIRFLOW}


def _docker_compose() -> str:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.fail("docker-compose is not installed: run scripts/install-browser.sh (Debian package docker-compose)")
    return exe


def _filled_env(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """.env.example with every empty (secret) value filled with a recognisable dummy."""
    secrets: dict[str, str] = {}
    lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"([A-Z0-9_]+)=", line)
        if match:
            secrets[match.group(1)] = f"dummy{len(secrets)}x{match.group(1).lower()}"
            line = f"{match.group(1)}={secrets[match.group(1)]}"
        lines.append(line)
    path = tmp_path / "compose.env"
    path.write_text("\n".join(lines) + "\n")
    return path, secrets


def _config(env_file: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            _docker_compose(),
            "--project-directory",
            str(ROOT),
            "-f",
            str(COMPOSE),
            "--env-file",
            str(env_file),
            "config",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> tuple[dict, dict[str, str]]:
    env_file, secrets = _filled_env(tmp_path_factory.mktemp("compose"))
    result = _config(env_file)
    assert result.returncode == 0, f"docker-compose config failed: {result.stderr.strip()}"
    return yaml.safe_load(result.stdout), secrets


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    return env if isinstance(env, dict) else dict(item.split("=", 1) for item in env)


def _volumes(service: dict) -> list[tuple[str, str]]:
    """(source, target) of each mount; compose 1.29 prints the short `src:dst:mode` form."""
    mounts = []
    for v in service.get("volumes", []):
        if isinstance(v, dict):
            mounts.append((v["source"], v["target"]))
        else:
            source, target = v.split(":")[:2]
            mounts.append((source, target))
    return mounts


def _command(service: dict) -> str:
    command = service.get("command") or []
    return command if isinstance(command, str) else " ".join(map(str, command))


def test_config_validates_with_the_services(resolved):
    config, _ = resolved
    assert set(config["services"]) == SERVICES


def test_every_service_has_a_health_check(resolved):
    config, _ = resolved
    for name, service in config["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_airflow_runs_the_celery_executor_on_the_metadata_database(resolved):
    config, _ = resolved
    for name in AIRFLOW:
        env = _env(config["services"][name])
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres:5432/airflow"), name
        assert (
            env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
            and "@redis:6379" in env["AIRFLOW__CELERY__BROKER_URL"]
        )
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://api-server:8080/execution/"
        assert env["FINRISK_DATABASE_URL"].endswith("@postgres:5432/finrisk"), name
        assert env["MLFLOW_TRACKING_URI"] == "http://mlflow:5000", name
    # one JWT secret for every component, or the workers' tokens are refused
    assert len({_env(config["services"][n])["AIRFLOW__API_AUTH__JWT_SECRET"] for n in AIRFLOW}) == 1
    for name, command in {
        "api-server": "airflow api-server",
        "scheduler": "airflow scheduler",
        "dag-processor": "airflow dag-processor",
        "triggerer": "airflow triggerer",
    }.items():
        assert _command(config["services"][name]).startswith(command), name


def test_init_migrates_and_creates_the_gpu_pool_and_connections(resolved):
    config, _ = resolved
    command = _command(config["services"]["airflow-init"])
    assert "airflow db migrate" in command
    assert re.search(r"airflow pools set gpu ", command)
    assert (
        "airflow connections add finrisk_warehouse" in command and "airflow connections add finrisk_mlflow" in command
    )
    assert "finrisk db upgrade" in command
    for name in AIRFLOW[1:]:
        assert config["services"][name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def test_workers_cpu_on_default_queue_and_gpu_on_gpu_queue_with_a_reservation(resolved):
    config, _ = resolved
    worker, gpu = config["services"]["worker"], config["services"]["worker-gpu"]
    assert re.search(r"celery worker --queues default\b", _command(worker))
    assert "deploy" not in worker and "container_name" not in worker and "ports" not in worker  # --scale worker=N
    assert re.search(r"celery worker --queues gpu\b", _command(gpu))
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices and devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    # one Dockerfile; a build argument picks the torch index: CPU by default, CUDA for worker-gpu
    assert worker["build"]["args"]["TORCH_INDEX_URL"].endswith("/cpu")
    assert re.search(r"/cu\d+$", gpu["build"]["args"]["TORCH_INDEX_URL"])
    for service in config["services"].values():
        if "build" in service:
            assert (
                Path(service["build"]["context"]) == ROOT
                and service["build"].get("dockerfile", "Dockerfile") == "Dockerfile"
            )
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in (ROOT / "Dockerfile").read_text()


def test_postgres_holds_three_databases_and_mlflow_uses_its_own(resolved):
    config, _ = resolved
    postgres = config["services"]["postgres"]
    assert any(
        target.startswith("/docker-entrypoint-initdb.d/") and Path(source) == INIT_SCRIPT
        for source, target in _volumes(postgres)
    )
    script = INIT_SCRIPT.read_text()
    assert {m for m in re.findall(r"^create (\w+) ", script, re.M)} == {"finrisk", "airflow", "mlflow"}
    mlflow = config["services"]["mlflow"]
    command = _command(mlflow)
    assert re.search(r"--backend-store-uri postgresql\+psycopg2://mlflow:\S+@postgres:5432/mlflow\b", command)
    assert mlflow["depends_on"]["postgres"]["condition"] == "service_healthy"

    # the artifact volume is shared by the tracking server and the workers that log models
    def mounted(name: str) -> set[tuple[str, str]]:
        return set(_volumes(config["services"][name]))

    # at the path finrisk gives its experiments (<FINRISK_DATA_DIR>/mlartifacts), in every container
    data_dir = _env(config["services"]["worker"])["FINRISK_DATA_DIR"]
    shared = ("mlflow-artifacts", f"{data_dir}/mlartifacts")
    assert shared in mounted("mlflow") & mounted("worker") & mounted("worker-gpu")
    assert f"--default-artifact-root {data_dir}/mlartifacts" in command
    assert {"postgres-data", "mlflow-artifacts", "finrisk-data"} <= set(config["volumes"])


def test_no_secret_in_the_compose_file_and_each_is_required(resolved, tmp_path):
    config, secrets = resolved
    text = COMPOSE.read_text()
    for name, value in secrets.items():
        assert value not in text
        assert f"${{{name}" in text, f"{name} in .env.example is not used by docker-compose.yml"
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    assert required <= set(secrets), f"not in .env.example: {sorted(required - set(secrets))}"
    assert not re.search(
        r"(?i)(password|secret|fernet)[A-Z_]*:[ \t]*[\"']?[A-Za-z0-9]", re.sub(r"\$\{[^}]*\}", "", text)
    )
    # an empty .env stops compose with a message naming the missing secret
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = _config(empty)
    assert result.returncode != 0 and re.search(r"set [A-Z_]+ in \.env", result.stderr)
