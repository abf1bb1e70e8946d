"""A full disk while the trained model is saved is one line, and changes nothing (issue 20, defect 9).

Before the fix `finrisk train` ended in a `SafetensorError` traceback. The champion stayed and
nothing was registered, which is right; now the CLI also says, in one line with exit 1, where
the model could not be written and why. The first test makes safetensors fail exactly as it does
on a full disk ("... I/O error: No space left on device (os error 28)"); the second makes the
operating system refuse the write for real (a file-size limit on the CLI process, EFBIG), since
no full filesystem can be mounted here without root.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile

import pytest
from mlflow import MlflowClient
from staging_rows import build_dataset

from finrisk.config import GateSettings
from finrisk.models.args import TrainArgs
from finrisk.registry.client import resolve_alias
from finrisk.training.train import train_model

TINY = dict(base_model="tiny-random", max_steps=2, epochs=1, max_length=64, batch_size=16)
CLI_TRAIN = ["train", "credit", "--max-steps", "2", "--base-model", "tiny-random", "--max-length", "64"]
FULL_DISK = "Error while serializing: I/O error: No space left on device (os error 28)"


@pytest.fixture()
def champion(settings, engine):
    """A dataset and a registered champion (version 1) of finrisk-credit."""
    with engine.begin() as conn:
        build_dataset(conn, n_customers=120)
    opened = settings.model_copy(
        update={"gate": GateSettings(require_beats_baseline=False, min_auc=0.0, max_calibration_error=1.0)}
    )
    assert train_model(opened, "credit", TrainArgs.from_settings(opened, **TINY)).decision.decision == "promoted"
    return opened


def _versions(settings) -> list[str]:
    client = MlflowClient(settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
    return sorted(str(v.version) for v in client.search_model_versions("name = 'finrisk-credit'"))


def _cli_env(settings) -> dict:
    return {
        "FINRISK_DATABASE_URL": settings.database_url,
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "FINRISK_DATA_DIR": str(settings.data_dir),
        "FINRISK_GATE__REQUIRE_BEATS_BASELINE": "false",
        "FINRISK_GATE__MIN_AUC": "0",
        "FINRISK_GATE__MAX_CALIBRATION_ERROR": "1",
    }


def test_full_disk_during_save_is_one_line_and_the_champion_stays(champion, monkeypatch, capsys):
    import transformers.modeling_utils
    from safetensors import SafetensorError

    from finrisk.cli import _run
    from finrisk.config import get_settings

    def full_disk(*args, **kwargs):
        raise SafetensorError(FULL_DISK)

    monkeypatch.setattr(transformers.modeling_utils, "safe_save_file", full_disk)
    for name, value in _cli_env(champion).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["finrisk", *CLI_TRAIN])
    get_settings.cache_clear()
    try:
        code = _run()
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("finrisk: error:")]
    assert code == 1, err[-2000:]
    assert "Traceback" not in err and "SafetensorError" not in err, err[-2000:]
    assert errors == [
        f"finrisk: error: finrisk-credit: the trained model could not be saved under "
        f"{tempfile.gettempdir()}: no space left on device; nothing was registered and the "
        f"champion is unchanged"
    ], err[-2000:]
    assert resolve_alias(champion, "credit", "champion").version == "1"
    assert _versions(champion) == ["1"]


def _file_size_limit() -> None:
    """In the CLI process: files may grow to 2 MB (the tiny encoder's weights are ~4 MB), then EFBIG."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2 * 1024 * 1024, 2 * 1024 * 1024))


def test_a_real_refused_write_is_one_line_from_the_cli(champion):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINRISK_", "MLFLOW_"))}
    env.update(_cli_env(champion))
    done = subprocess.run(
        [sys.executable, "-m", "finrisk.cli", *CLI_TRAIN],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        preexec_fn=_file_size_limit,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    [line] = [line for line in done.stderr.splitlines() if line.startswith("finrisk: error:")]
    assert "finrisk-credit: the trained model could not be saved under " in line and "file too large" in line, line
    assert resolve_alias(champion, "credit", "champion").version == "1"
    assert _versions(champion) == ["1"]
