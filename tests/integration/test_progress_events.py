"""Progress is passed as events, not log text: emit/read across a file, and the quick start's bars move on them.

The quick start runs Airflow in another process; its tasks append events to `FINRISK_PROGRESS_FILE` and the
quick start's follower reads them. Here the events are emitted by the real `emit` (what train.py, loop.py,
steps.py and the DAG defaults call) and read back by the quick start's own follower and handlers.
"""

from __future__ import annotations

import io
import json

import pytest
from tqdm import tqdm

from finrisk import progress, quickstart
from finrisk.config import get_settings


@pytest.fixture()
def events_path(tmp_path, monkeypatch):
    """FINRISK_PROGRESS_FILE set for this process, as the quick start sets it for its Airflow tasks."""
    path = tmp_path / "logs" / "events.jsonl"
    monkeypatch.setenv("FINRISK_PROGRESS_FILE", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def _bar(total: int = 1) -> tqdm:
    return tqdm(total=total, file=io.StringIO(), leave=False)


def test_emit_appends_one_json_line_per_event_and_the_reader_reads_only_new_ones(events_path):
    progress.emit("scored", model="credit", records=10)
    reader = progress.Reader(events_path)  # from the end: the event before it is not news
    heard = []
    with progress.listening(heard.append):
        progress.emit("scored", model="fraud", records=5)
        progress.emit("fit_step", step=35, loss=0.5, validation=0.71)
    assert heard == [
        {"kind": "scored", "model": "fraud", "records": 5},
        {"kind": "fit_step", "step": 35, "loss": 0.5, "validation": 0.71},
    ]
    assert reader.read() == heard and reader.read() == []
    with events_path.open("a") as f:  # a line still being written waits for the next read
        f.write(json.dumps({"kind": "scored", "model": "news", "records": 2})[:-3])
    assert reader.read() == []
    with events_path.open("a") as f:
        f.write("2}\nnot json\n")
    assert reader.read() == [{"kind": "scored", "model": "news", "records": 2}]
    assert len(events_path.read_text().splitlines()) == 5


def test_without_a_progress_file_emit_only_reaches_listeners(tmp_path, monkeypatch):
    monkeypatch.delenv("FINRISK_PROGRESS_FILE", raising=False)
    get_settings.cache_clear()
    heard = []
    with progress.listening(heard.append):
        progress.emit("embedded", model="finrisk-credit", texts=3)
    progress.emit("embedded", model="finrisk-credit", texts=4)  # no listener any more
    assert heard == [{"kind": "embedded", "model": "finrisk-credit", "texts": 3}]
    assert not list(tmp_path.iterdir())


def test_the_quick_starts_follower_turns_training_events_into_bar_updates_and_result_lines(events_path):
    results: list[str] = []
    bar = _bar()
    follower = quickstart._Follow(events_path, bar, quickstart._train_events(results))
    progress.emit("train_work", model="finrisk-credit", work=100, unit="texts to embed")
    progress.emit("embedded", model="finrisk-credit", texts=60)
    progress.emit("embedded", model="finrisk-credit", texts=30)
    follower.poll()
    assert (bar.total, bar.n) == (100, 90)
    progress.emit("trained", model="finrisk-credit", version="1", metric="auc", value=0.7812, decision="promoted")
    progress.emit("train_work", model="finrisk-news", work=40, unit="fine-tuning steps")
    progress.emit("fit_step", step=35, loss=0.41, validation=0.5)
    follower.poll()
    assert (bar.total, bar.n) == (140, 135)  # credit's last 10 count as done when it is trained
    progress.emit("fit_step", step=40, loss=0.40, validation=0.55)
    progress.emit("trained", model="finrisk-news", version="2", metric="macro_f1", value=0.5, decision="challenger")
    follower.poll()
    assert (bar.total, bar.n) == (140, 140)
    assert results == [
        "  trained finrisk-credit v1: holdout auc 0.781, gate promoted",
        "  trained finrisk-news v2: holdout macro_f1 0.500, gate challenger",
    ]


def test_the_quick_starts_follower_counts_scored_records_and_names_a_failed_step(events_path):
    scored = {"records": 0}
    failures: list[str] = []
    bar = _bar(1000)
    follower = quickstart._Follow(events_path, bar, quickstart._watch(quickstart._nightly_events(scored), failures))
    progress.emit("scored", model="credit", records=600)
    progress.emit("scored", model="fraud", records=250)
    progress.emit("step_failed", step="publish", reason="band shares out of bounds")
    follower.poll()
    assert bar.n == 850 and scored["records"] == 850
    assert failures == ["publish: band shares out of bounds"]
