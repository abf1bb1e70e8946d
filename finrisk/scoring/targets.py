"""What differs per model when scoring: its staging table, its row, which records get reason codes.

One `StageTarget` per model in `TARGETS`, keyed like `finrisk.models.specs.MODELS`; the staging
loop (`stage.py`) is the same for all of them. Adding a model is one spec and one target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from finrisk.config import ScoringSettings
from finrisk.features.records import Record
from finrisk.scoring.scales import band_rank, risk_band, score_points


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
    """A model's staging table, its row builder and its reason-code scope."""

    model: str
    table: str
    columns: tuple[str, ...]
    row: Callable[[Scored, ScoringSettings], tuple]
    wants_reason: Callable[[float, ScoringSettings], bool]  # spend occlusion only where a reason is read
    explains_profile: bool = False  # describe profile attributes as such in reason codes


def _credit_row(s: Scored, cfg: ScoringSettings) -> tuple:
    points = score_points(s.prob, cfg.points_base, cfg.points_odds, cfg.points_pdo, cfg.points_min, cfg.points_max)
    return (s.run_id, s.score_date, s.record.key, s.prob, points, risk_band(s.prob, cfg.band_cutoffs),
            s.reasons or [], s.record.meta.get("numeric") or {}, s.record.meta.get("company"), s.version)


def _fraud_row(s: Scored, cfg: ScoringSettings) -> tuple:
    meta = s.record.meta
    return (s.run_id, s.score_date, s.record.key, meta.get("customer_id"), meta.get("occurred_at"), s.prob,
            s.reasons, meta.get("numeric") or {}, s.version)


def _news_row(s: Scored, cfg: ScoringSettings) -> tuple:
    meta = s.record.meta
    return (s.run_id, s.score_date, s.record.key, meta.get("published_at"), list(meta.get("companies") or []),
            s.label, s.prob, meta.get("numeric") or {}, s.version)


TARGETS: dict[str, StageTarget] = {
    "credit": StageTarget(
        "credit", "risk_stage.credit_scores",
        ("run_id", "score_date", "customer_id", "pd_12m", "score_points", "risk_band", "reason_codes",
         "numeric_inputs", "company", "model_version"),
        _credit_row,
        lambda p, cfg: band_rank(risk_band(p, cfg.band_cutoffs)) >= band_rank(cfg.reason_min_band),
        explains_profile=True,
    ),
    "fraud": StageTarget(
        "fraud", "risk_stage.transaction_scores",
        ("run_id", "score_date", "txn_id", "customer_id", "occurred_at", "fraud_prob", "reason_codes",
         "numeric_inputs", "model_version"),
        _fraud_row,
        lambda p, cfg: p >= cfg.fraud_alert_threshold,
    ),
    "news": StageTarget(
        "news", "risk_stage.news_signals",
        ("run_id", "score_date", "article_id", "published_at", "companies", "sentiment", "negative_prob",
         "numeric_inputs", "model_version"),
        _news_row,
        lambda p, cfg: False,
    ),
}

CHALLENGER_TABLE = ("risk_stage.challenger_scores",
                    ("run_id", "score_date", "model", "version", "key", "prob", "champion_version", "champion_prob"))
