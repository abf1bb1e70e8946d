"""The scoring steps: `resolve_versions`, `score(settings, date[, shard])` and `publish(settings, date)`.

`resolve_versions` pins @champion (and @challenger) of every model once; `score` scores its shard
into risk_stage with those versions (resolving them itself when none are given) and, when it is
the whole population (no shard), publishes the date. With shards, each `score --shard i/n`
stages its slice and `publish` audits and merges them all. Every run is recorded in
ops.scoring_runs, failed ones included, with the backend that holds its locks.

Guarantees (see README, "What finrisk guarantees"):
- `score` refuses a date without a passed validation run, unless told to skip the check.
- Two runs of one date never interleave: a run holds row locks (`locks.RunLock`) from before
  staging until after publishing, and a run that cannot get them within `lock_wait_s` fails
  with one line naming the run that holds them.
- A run whose process died stays `running` only until the next run of the date, which marks it
  `abandoned` and goes on.
- Publishing writes exactly the audited runs' rows, in one transaction.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date

from finrisk.bands import check_cutoffs
from finrisk.config import Settings
from finrisk.dates import require_run_date
from finrisk.db.engine import get_engine
from finrisk.errors import FinriskError, one_line
from finrisk.models.specs import SPECS
from finrisk.monitoring.runs import RunLog, abandon_stale
from finrisk.scoring.embedding_store import prune as prune_embeddings
from finrisk.scoring.hooks import Hooks, reached
from finrisk.scoring.locks import RunLock
from finrisk.scoring.models import RunModels, resolve_versions, run_models
from finrisk.scoring.publish import batch_versions, publish_staged, staged_batches
from finrisk.scoring.stage import Progress, ShardJob, clear_runs, stage_shard
from finrisk.scoring.validated import passed_validation

__all__ = ["Hooks", "ScoringResult", "publish", "resolve_versions", "score"]

log = logging.getLogger(__name__)


@dataclass
class ScoringResult:
    """What a scoring or publish run did; `summary()` is the CLI's one line."""

    run_id: str
    score_date: date
    status: str
    shard: tuple[int, int] | None = None
    versions: dict[str, str] = field(default_factory=dict)
    challenger_versions: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    rows_published: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    skipped: list[str] = field(default_factory=list)  # models with no champion: not scored, not published
    abandoned: list[str] = field(default_factory=list)  # stale runs of the date this run marked abandoned
    is_validation_skipped: bool = False

    @property
    def rows_scored(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_s(self) -> float:
        return self.rows_scored / self.duration_s if self.duration_s > 0 else 0.0

    def summary(self) -> str:
        """One line: what, how many, which versions, which run, how long."""
        where = f" shard {self.shard[0]}/{self.shard[1]}" if self.shard and self.shard[1] > 1 else ""
        counts = (
            ", ".join(f"{self.counts.get(m, 0)} {spec.units}" for m, spec in SPECS.items())
            if self.counts
            else f"{sum(self.rows_published.values())} rows"
        )
        versions = ", ".join(f"{m} v{v}" for m, v in self.versions.items()) or "no versions"
        shadow = (
            f" (shadow: {', '.join(f'{m} v{v}' for m, v in self.challenger_versions.items())})"
            if self.challenger_versions
            else ""
        )
        speed = f", {self.rows_per_s:.0f} rows/s" if self.counts else ""
        skipped = f"; {', '.join(self.skipped)} skipped (no @champion)" if self.skipped else ""
        unchecked = "; validation check skipped" if self.is_validation_skipped else ""
        return (
            f"{self.status} {self.score_date}{where}: {counts}; {versions}{shadow}{skipped}{unchecked}; "
            f"run {self.run_id}; {self.duration_s:.1f}s{speed}"
        )


def _run_id(step: str, score_date: date, shard: tuple[int, int] | None) -> str:
    suffix = f"-s{shard[0]}of{shard[1]}" if shard and shard[1] > 1 else ""
    return f"{step}-{score_date:%Y%m%d}-{uuid.uuid4().hex[:8]}{suffix}"


def _load(settings: Settings, models):
    from finrisk.registry.client import load_reference, load_scorer

    scorers = {m: load_scorer(settings, ref) for m, ref in models.champions.items()}
    challengers = {m: load_scorer(settings, ref) for m, ref in models.challengers.items()}
    references = {}
    for model, ref in models.champions.items():
        try:
            references[model] = load_reference(settings, ref)
        except FinriskError as exc:  # scoring goes on; monitoring records that PSI had no reference
            log.warning("no PSI reference for %s v%s: %s", ref.name, ref.version, exc)
    return scorers, challengers, references


def _models(settings: Settings, versions: dict | None) -> RunModels:
    """The run's models: the pinned versions, or the aliases resolved now (the CLI path)."""
    return run_models(settings, versions if versions is not None else resolve_versions(settings))


def score(
    settings: Settings,
    score_date: date,
    shard: tuple[int, int] | None = None,
    progress: Progress | None = None,
    versions: dict | None = None,
    skip_validation_check: bool = False,
) -> ScoringResult:
    """Score a date (or one shard of it) with the champions; without a shard, also publish it."""
    require_run_date(settings, score_date)
    cfg = settings.scoring
    try:
        check_cutoffs(cfg.band_cutoffs)
    except ValueError as exc:
        raise FinriskError(f"scoring.band_cutoffs: {exc}") from None
    slice_ = shard or (0, 1)
    engine = get_engine(settings)
    run_id = _run_id("score", score_date, shard)
    run = RunLog(engine, run_id, score_date, "score", slice_, is_validation_skipped=skip_validation_check)
    try:
        models = _models(settings, versions)
        if skip_validation_check:
            log.warning("run %s scores %s without checking validation (--skip-validation-check)", run_id, score_date)
        else:
            run.validation_run_id = passed_validation(engine, score_date)
    except FinriskError as exc:
        run.start().finish("failed", error=one_line(exc))
        raise
    run.versions, run.challengers, run.skipped_models = models.versions, models.challenger_versions, models.skipped
    result = ScoringResult(
        run_id,
        score_date,
        "running",
        shard,
        models.versions,
        models.challenger_versions,
        skipped=models.skipped,
        is_validation_skipped=skip_validation_check,
    )
    with RunLock(engine) as lock:
        run.backend = (lock.backend_pid, lock.backend_started_at)
        run.start()
        try:
            lock.acquire(score_date, shard, cfg.lock_wait_s, run_id)
            result.abandoned = abandon_stale(engine, score_date, run_id)
            reached("locked")
            scorers, challenger_scorers, references = _load(settings, models)
            job = ShardJob(score_date, slice_, run_id, models, scorers, challenger_scorers, references)
            result.counts = stage_shard(engine, cfg, job, progress)
            if shard is not None:
                result.status = "staged"
            elif result.rows_scored == 0:
                with engine.begin() as conn:
                    clear_runs(conn, score_date, None)
                result.status = "empty"
            else:
                reached("staged")
                published = publish_staged(
                    engine, cfg, score_date, run_id, run_ids=[run_id], monitoring_settings=settings.monitoring
                )
                reached("published")
                result.rows_published = published.rows
                result.status = "published"
                pruned = prune_embeddings(engine, settings.scoring.embedding_days)
                if pruned:
                    log.info(
                        "%d stored encoder vectors older than %d days removed", pruned, settings.scoring.embedding_days
                    )
        except BaseException as exc:
            result.duration_s = run.finish("failed", result.counts or None, error=one_line(exc))
            raise
        result.duration_s = run.finish(
            result.status,
            result.counts,
            rows_published=sum(result.rows_published.values()) if result.rows_published else None,
        )
    log.info("%s", result.summary())
    return result


def publish(settings: Settings, score_date: date, versions: dict | None = None) -> ScoringResult:
    """Audit and merge every staged shard of a date into risk.* (after `score --shard i/n` runs).

    With `versions` (the night's pinned dict) the shards must have been scored with exactly those.
    """
    require_run_date(settings, score_date)
    engine = get_engine(settings)
    run_id = _run_id("publish", score_date, None)
    with RunLock(engine) as lock:
        run = RunLog(engine, run_id, score_date, "publish", backend=(lock.backend_pid, lock.backend_started_at))
        try:
            lock.acquire(score_date, None, settings.scoring.lock_wait_s, run_id)
        except FinriskError as exc:
            run.start().finish("failed", error=one_line(exc))
            raise
        abandoned = abandon_stale(engine, score_date, run_id)
        with engine.connect() as conn:
            batches = staged_batches(conn, score_date)
        first = batches[0]
        used = batch_versions(first)
        challengers = dict(first.challenger_versions or {})
        run.shard, run.versions, run.challengers = (0, first.shard_count), used, challengers
        run.skipped_models = [m for m in SPECS if m not in used]
        run.start()
        result = ScoringResult(
            run_id, score_date, "running", None, used, challengers, skipped=run.skipped_models, abandoned=abandoned
        )
        counts = {m: sum(int((b.model_counts or {}).get(m, 0)) for b in batches) for m in used}
        try:
            if sum(counts.values()) == 0:
                with engine.begin() as conn:
                    clear_runs(conn, score_date, None)
                result.status = "empty"
            else:
                published = publish_staged(
                    engine,
                    settings.scoring,
                    score_date,
                    run_id,
                    run_ids=[b.run_id for b in batches],
                    versions=versions,
                    monitoring_settings=settings.monitoring,
                )
                reached("published")
                result.rows_published = published.rows
                result.status = "published"
                pruned = prune_embeddings(engine, settings.scoring.embedding_days)
                if pruned:
                    log.info(
                        "%d stored encoder vectors older than %d days removed", pruned, settings.scoring.embedding_days
                    )
        except BaseException as exc:
            result.duration_s = run.finish("failed", error=one_line(exc))
            raise
        result.duration_s = run.finish(result.status, rows_published=sum(result.rows_published.values()))
    log.info("%s", result.summary())
    return result
