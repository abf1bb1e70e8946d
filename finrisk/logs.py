"""The console and the log file that every finrisk command shares (the CLI and the quick start).

The console shows only what the command says: one line per step, a progress bar with an ETA on
the long ones, the result, and an error in one line. Everything else goes to the command's log
file, `<data>/logs/<command>.log`: finrisk's own log records, library warnings (MLflow,
transformers), library progress bars, and whatever a library prints, from Python or from C,
because while a command runs its stdout and stderr descriptors point at the log file and the
console is written through copies of them. Log identifiers, never personal data.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from finrisk.config import set_default_environment

log = logging.getLogger("finrisk.console")

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar:24}| {n_fmt}/{total_fmt} {unit} [{elapsed}<{remaining}]"
COUNTER_FORMAT = "{desc}: {n_fmt} {unit} [{elapsed}, {rate_fmt}]"  # no total known: a count and its rate

# Libraries' own progress bars and chatter, off unless the user set them: what they would say is in the log.
LIBRARY_QUIET = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # huggingface_hub downloads, transformers' "Writing model shards"
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",  # "Downloading artifacts", "Uploading artifacts"
}


@dataclass
class Console:
    """Where the command's own lines go, and what to undo when it ends."""

    out: TextIO
    err: TextIO
    log_file: Path | None = None
    _saved_fds: tuple[int, int] | None = None
    _saved_streams: tuple[TextIO, TextIO] | None = None

    def close(self) -> None:
        """Give stdout and stderr back to the console (the log file keeps receiving the log records)."""
        if self._saved_streams is not None:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            if self._saved_fds is not None:  # the console copies go; the descriptors point at the terminal again
                for stream in (self.out, self.err):
                    stream.close()
                for fd, saved in zip((1, 2), self._saved_fds):
                    os.dup2(saved, fd)
                    os.close(saved)
                self.out, self.err = self._saved_streams
            sys.stdout, sys.stderr = self._saved_streams
            self._saved_fds = self._saved_streams = None
        global _CONSOLE
        if _CONSOLE is self:
            _CONSOLE = None


_CONSOLE: Console | None = None
_LOG_FILE: Path | None = None


def current() -> Console | None:
    """The console of the running command, or None outside one."""
    return _CONSOLE


def log_file() -> Path | None:
    """The log file of the last command this process started (it stays the log's home after the command)."""
    return _LOG_FILE


def _file_logging(path: Path, level: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "httpx", "alembic", "pgserver", "great_expectations"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    logging.captureWarnings(True)  # warnings.warn from MLflow, transformers, torch: records in the log file
    warnings.simplefilter("default")


def start(log_file: Path, verbose: bool = False, level: str = "INFO") -> Console:
    """Send logs, warnings and library output to `log_file`; the returned console reaches the terminal."""
    global _CONSOLE, _LOG_FILE
    if _CONSOLE is not None:
        _CONSOLE.close()
    _LOG_FILE = log_file
    set_default_environment(LIBRARY_QUIET)
    _file_logging(log_file, logging.DEBUG if verbose else getattr(logging, level.upper(), logging.INFO))
    streams = (sys.stdout, sys.stderr)
    try:
        fds = (sys.stdout.fileno(), sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # captured in-process (tests): no descriptors to move
        fds = None
    if fds == (1, 2):
        for stream in streams:
            stream.flush()
        saved = (os.dup(1), os.dup(2))
        out = os.fdopen(os.dup(saved[0]), "w", buffering=1, encoding=getattr(streams[0], "encoding", None))
        err = os.fdopen(os.dup(saved[1]), "w", buffering=1, encoding=getattr(streams[1], "encoding", None))
        target = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(target, 1)
        os.dup2(target, 2)
        os.close(target)
        _CONSOLE = Console(out, err, log_file, saved, streams)
    else:
        _CONSOLE = Console(streams[0], streams[1], log_file, None, streams)
    return _CONSOLE


def echo(text: str = "", err: bool = False) -> None:
    """One line to the console (stdout, or stderr with `err`) and to the log file."""
    console = _CONSOLE
    stream = (console.err if err else console.out) if console else (sys.stderr if err else sys.stdout)
    print(text, file=stream, flush=True)
    if console is not None and text:
        log.info("%s", text)


def bar(desc: str, total: int | None, unit: str):
    """A progress bar with an ETA on the console's stderr (a counter when `total` is None), gone when done."""
    from tqdm import tqdm

    console = _CONSOLE
    return tqdm(
        total=total,
        unit=unit,
        desc=desc,
        leave=False,
        file=console.err if console else sys.stderr,
        bar_format=BAR_FORMAT if total is not None else COUNTER_FORMAT,
    )
