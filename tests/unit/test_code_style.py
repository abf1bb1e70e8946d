"""The habits that keep the code readable, checked on every run: ruff's lint and format, and the layers.

The rules live in pyproject.toml ([tool.ruff], [tool.importlinter]); a failure prints what to fix.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SOURCES = ["finrisk", "dags", "tests", "bench"]


def _tool(name: str) -> str:
    path = BIN / name if (BIN / name).exists() else shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: it is a dev dependency (pip install -e '.[dev]')")
    return str(path)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing_to_fix():
    done = _run(_tool("ruff"), "check", "--no-cache", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_leaves_every_file_as_it_is():
    done = _run(_tool("ruff"), "format", "--check", "--no-cache", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_imports_keep_the_layers_and_finrisk_never_imports_airflow():
    done = _run(_tool("lint-imports"), "--no-cache")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout
