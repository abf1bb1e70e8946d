"""Progress events: what a long step reports, as data, so a console draws bars without reading log text.

`emit(kind, **fields)` hands one event to this process's listeners (the CLI's bars, `listening`)
and, when `Settings.progress_file` is set (`FINRISK_PROGRESS_FILE`: the quick start sets it for
the Airflow processes it starts), appends it as one JSON line to that file, which `Reader` tails.
Every event is also logged (logger `finrisk.progress`), so the log file keeps the numbers.
Rewording a log line changes nothing here; renaming an event or a field is a change of this contract.

Kinds and their fields:
  train_work   model, work, unit            a model's announced work (texts to embed, fine-tuning steps)
  embedded     model, texts                 texts embedded since the model's last event
  fit_step     step, loss, validation       a fine-tuning evaluation after `step` steps
  trained      model, version, metric, value, decision   a model trained, registered and gated
  scored       model, records               records scored since the last event
  step_failed  step, reason                 a DAG task's step failed (its one-line reason)
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

Event = dict
_LISTENERS: list[Callable[[Event], None]] = []


@contextmanager
def listening(callback: Callable[[Event], None]) -> Iterator[None]:
    """Hand every event this process emits to `callback` while the block runs."""
    _LISTENERS.append(callback)
    try:
        yield
    finally:
        _LISTENERS.remove(callback)


def _events_file() -> Path | None:
    from finrisk.config import get_settings

    try:
        return get_settings().progress_file
    except Exception:  # settings that do not validate fail the step elsewhere, with their own message
        return None


def emit(kind: str, **fields) -> None:
    """Report one progress event to the listeners, the events file (when set) and the log."""
    event = {"kind": kind, **fields}
    log.info("%s %s", kind, json.dumps(fields, default=str))
    for callback in list(_LISTENERS):
        callback(event)
    path = _events_file()
    if path is None:
        return
    line = (json.dumps(event, default=str) + "\n").encode()
    try:  # one append per event: lines from concurrent task processes do not interleave
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:  # a bar that stops moving must never fail the work it reports
        log.debug("progress file %s not written: %s", path, exc)


class Reader:
    """The events appended to a progress file since the last `read` (from its end when the reader was made)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def read(self) -> list[Event]:
        """The complete new events, in order; a line still being written waits for the next read."""
        if not self.path.exists():
            return []
        with self.path.open("rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        events = []
        for line in complete.decode(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:  # not ours: skip it
                continue
            if isinstance(event, dict) and "kind" in event:
                events.append(event)
        return events


class TrainTally:
    """Moves a bar from training events: its total is the announced work of every model started so far,
    and a model that finishes early (early stopping) counts its remaining work as done."""

    def __init__(self, bar) -> None:
        self.bar = bar
        self.work: dict[str, int] = {}  # model -> announced work
        self.done: dict[str, int] = {}  # model -> work done
        self.model, self.step = "", 0

    def _advance(self, model: str, k: int) -> None:
        k = max(0, min(k, self.work.get(model, 0) - self.done.get(model, 0)))
        self.done[model] = self.done.get(model, 0) + k
        self.bar.update(k)

    def __call__(self, event: Event) -> None:
        kind = event.get("kind")
        if kind == "train_work":
            self.model, self.step = event["model"], 0
            self.work[self.model] = int(event["work"])
            self.bar.total = sum(self.work.values())
            self.bar.refresh()
        elif kind == "embedded":
            self._advance(event.get("model", self.model), int(event["texts"]))
        elif kind == "fit_step":
            self._advance(self.model, int(event["step"]) - self.step)
            self.step = int(event["step"])
        elif kind == "trained":
            self._advance(event["model"], self.work.get(event["model"], 0))
