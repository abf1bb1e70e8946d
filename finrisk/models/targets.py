"""What differs per model when scoring and publishing: tables, columns, row builder, SQL folder.

A `StageTarget` is owned by its `ModelSpec` (`spec.target`). The staging loop (`scoring/stage.py`),
the audit, publish, monitoring and the run bookkeeping are the same for every model: they read
the target's columns and run the queries in its SQL folder (`sql/targets/<model>/`), each with
bound parameters:

- `clear.sql`      staged rows of `:run_ids` (or of `:score_date` when `:run_ids` is null)
- `stats.sql`      one row: rows, distinct_keys, null_keys, bad_probs, incomplete_rows (the audit)
- `summary.sql`    rows and mean probability per model_version (monitoring)
- `buckets.sql`    counts per bin of the probability (`:feature` null) or a numeric input (PSI)
- `delete_day.sql` the date's published rows (before a publish replaces them)
- one file per entry of `publishes`: insert the staged rows into a published table

Adding a model is one spec with one target and that folder; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from finrisk.bands import band_rank, risk_band, score_points
from finrisk.config import SQL_DIR, ScoringSettings
from finrisk.db.sql import load_path
from finrisk.features.records import Record


@dataclass(frozen=True)
class Scored:
    """One scored record, as a row builder sees it."""

    run_id: str
    score_date: date
    record: Record
    prob: float  # adverse-class probability
    label: str  # the most likely class
    reasons: list[dict] | None
    version: str


@dataclass(frozen=True)
class StageTarget:
    """A model's staging table, its row builder, its published tables and its SQL."""

    table: str  # the staging table, e.g. risk_stage.credit_scores
    columns: tuple[str, ...]
    row: Callable[[Scored, ScoringSettings], tuple]
    wants_reason: Callable[[float, ScoringSettings], bool]  # spend occlusion only where a reason is read
    key_column: str  # what identifies a scored unit (customer_id, txn_id, ...)
    prob_column: str  # the adverse-class probability column, as analysts know it
    sql_dir: Path
    publishes: tuple[tuple[str, str], ...]  # (published table, query file in sql_dir), in order
    explains_profile: bool = False  # describe profile attributes as such in reason codes
    population_sql: str | None = None  # query (under sql/) counting the units that must all be scored
    has_bands: bool = False  # rows carry risk_band: band shares are audited and monitored
    incomplete_means: str = "incomplete"  # what stats.sql's incomplete_rows are, for the audit's message
    publish_after_others: bool = False  # its publish reads the other models' published rows of the date

    def query(self, name: str) -> sa.TextClause:
        """The target's `<name>.sql` as a text clause for bound parameters."""
        return sa.text(load_path(self.sql_dir / f"{name}.sql"))


def _credit_row(s: Scored, cfg: ScoringSettings) -> tuple:
    points = score_points(s.prob, cfg.points_base, cfg.points_odds, cfg.points_pdo, cfg.points_min, cfg.points_max)
    return (
        s.run_id,
        s.score_date,
        s.record.key,
        s.prob,
        points,
        risk_band(s.prob, cfg.band_cutoffs),
        s.reasons or [],
        s.record.meta.get("numeric") or {},
        s.record.meta.get("company"),
        s.version,
    )


def _fraud_row(s: Scored, cfg: ScoringSettings) -> tuple:
    meta = s.record.meta
    return (
        s.run_id,
        s.score_date,
        s.record.key,
        meta.get("customer_id"),
        meta.get("occurred_at"),
        s.prob,
        s.reasons,
        meta.get("numeric") or {},
        s.version,
    )


def _news_row(s: Scored, cfg: ScoringSettings) -> tuple:
    meta = s.record.meta
    return (
        s.run_id,
        s.score_date,
        s.record.key,
        meta.get("published_at"),
        list(meta.get("companies") or []),
        s.label,
        s.prob,
        meta.get("numeric") or {},
        s.version,
    )


CREDIT = StageTarget(
    "risk_stage.credit_scores",
    (
        "run_id",
        "score_date",
        "customer_id",
        "pd_12m",
        "score_points",
        "risk_band",
        "reason_codes",
        "numeric_inputs",
        "company",
        "model_version",
    ),
    _credit_row,
    lambda p, cfg: band_rank(risk_band(p, cfg.band_cutoffs)) >= band_rank(cfg.reason_min_band),
    key_column="customer_id",
    prob_column="pd_12m",
    sql_dir=SQL_DIR / "targets" / "credit",
    publishes=(("risk_scores", "publish"), ("risk_alerts", "publish_alerts")),
    explains_profile=True,
    population_sql="scoring/count_active_customers",
    has_bands=True,
    incomplete_means="without band or points",
    publish_after_others=True,  # fraud_score and news_score come from the date's published fraud and news
)

FRAUD = StageTarget(
    "risk_stage.transaction_scores",
    (
        "run_id",
        "score_date",
        "txn_id",
        "customer_id",
        "occurred_at",
        "fraud_prob",
        "reason_codes",
        "numeric_inputs",
        "model_version",
    ),
    _fraud_row,
    lambda p, cfg: p >= cfg.fraud_alert_threshold,
    key_column="txn_id",
    prob_column="fraud_prob",
    sql_dir=SQL_DIR / "targets" / "fraud",
    publishes=(("transaction_scores", "publish"), ("fraud_alerts", "publish_alerts")),
)

NEWS = StageTarget(
    "risk_stage.news_signals",
    (
        "run_id",
        "score_date",
        "article_id",
        "published_at",
        "companies",
        "sentiment",
        "negative_prob",
        "numeric_inputs",
        "model_version",
    ),
    _news_row,
    lambda p, cfg: False,
    key_column="article_id",
    prob_column="negative_prob",
    sql_dir=SQL_DIR / "targets" / "news",
    publishes=(("news_signals", "publish"),),
)

CHALLENGER_TABLE = (
    "risk_stage.challenger_scores",
    ("run_id", "score_date", "model", "version", "key", "prob", "champion_version", "champion_prob"),
)
