"""ops.scoring_runs: one row per scoring or publish run, written as it starts and as it ends.

The row is committed on its own connection, outside the scoring transaction, so a failed
run is still recorded with its error. It names the backend that holds the run's locks; a
run killed before it could finish stays `running` until a later run of the date finds that
backend gone and marks it `abandoned` with the time and the reason (`abandon_stale`).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from finrisk.db.sql import query

log = logging.getLogger(__name__)


@dataclass
class RunLog:
    """A run being recorded; `finish` writes the end state once."""

    engine: Engine
    run_id: str
    score_date: date
    step: str
    shard: tuple[int, int] | None = None
    versions: dict[str, str | None] = field(default_factory=dict)
    challengers: dict[str, str] = field(default_factory=dict)
    backend: tuple[int, datetime] | None = None  # (pid, backend start) of the run's lock connection
    validation_run_id: str | None = None
    is_validation_skipped: bool = False
    skipped_models: list[str] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _clock: float = field(default_factory=time.perf_counter)

    def start(self) -> RunLog:
        """Insert the run's row, status running."""
        with self.engine.begin() as conn:
            conn.execute(
                query("monitoring/start_run"),
                {
                    "run_id": self.run_id,
                    "score_date": self.score_date,
                    "step": self.step,
                    "shard_index": self.shard[0] if self.shard else None,
                    "shard_count": self.shard[1] if self.shard else None,
                    "model_versions": json.dumps({m: v for m, v in self.versions.items() if v is not None}),
                    "challenger_versions": json.dumps(self.challengers),
                    "started_at": self.started_at,
                    "backend_pid": self.backend[0] if self.backend else None,
                    "backend_started_at": self.backend[1] if self.backend else None,
                    "validation_run_id": self.validation_run_id,
                    "is_validation_skipped": self.is_validation_skipped,
                    "skipped_models": json.dumps(self.skipped_models),
                },
            )
        return self

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self._clock

    def finish(
        self,
        status: str,
        counts: dict[str, int] | None = None,
        error: str | None = None,
        rows_published: int | None = None,
    ) -> float:
        """Record the end state; returns the duration in seconds. Never raises on a dead warehouse."""
        counts = counts or {}
        duration = self.elapsed_s
        rows = sum(counts.values()) if counts else (rows_published or 0)
        params = {
            "run_id": self.run_id,
            "status": status,
            "error": error,
            "model_counts": json.dumps(counts) if counts else None,
            "rows_published": rows_published,
            "finished_at": datetime.now(UTC),
            "duration_s": round(duration, 3),
            "rows_per_s": round(rows / duration, 2) if duration > 0 and rows else None,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(query("monitoring/finish_run"), params)
        except Exception as exc:  # the run's own error matters more than its bookkeeping
            log.error("could not record the end of run %s: %s", self.run_id, str(exc).splitlines()[0])
        return duration


def mark_published(conn, run_ids: list[str]) -> None:
    """The runs a publish merged, and the publishing run, become published (inside the publish transaction)."""
    conn.execute(query("monitoring/mark_published"), {"run_ids": run_ids})


def abandon_stale(engine: Engine, score_date: date, run_id: str) -> list[str]:
    """Mark the date's `running` runs whose backend is gone `abandoned`; returns their run ids."""
    with engine.begin() as conn:
        marked = conn.execute(
            query("monitoring/abandon_stale_runs"),
            {"score_date": score_date, "run_id": run_id, "now": datetime.now(UTC)},
        ).all()
    for r in marked:
        log.warning(
            "run %s (%s of %s, started %s) marked abandoned: %s",
            r.run_id,
            r.step,
            score_date,
            r.started_at,
            r.abandoned_reason,
        )
    return [r.run_id for r in marked]
