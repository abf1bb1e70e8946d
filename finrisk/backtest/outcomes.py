"""The pairs a back-test compares: a PD and the outcome that followed it.

Two sources:
- **published**: each credit outcome known by the as-of date meets the PD that was published for the
  customer on the latest score date at most `match_days` before its snapshot (the PD in force when its
  12-month window opened). What the bank really told its users, by the version that said it.
- **point in time**: a version with no published history (or a book whose published nights are too
  recent for outcomes) is scored on the past snapshots exactly as training reads them, as they were
  known at each snapshot (`spec.training_records`), through the scoring code path (`load_scorer`,
  stored encoder vectors reused). Snapshots on or before the version's training date were in its
  training data: they are counted as in-sample, so a validator can discount them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from finrisk.bands import risk_band
from finrisk.config import Settings
from finrisk.db.sql import query


def published_pairs(engine: Engine, period: tuple[date, date], as_of: date, match_days: int) -> pd.DataFrame:
    """customer_id, snapshot_date, defaulted, score_date, pd_12m, risk_band, model_version of each matched outcome."""
    with engine.connect() as conn:
        rows = conn.execute(
            query("backtest/published_outcomes"),
            {"period_start": period[0], "period_end": period[1], "as_of_date": as_of, "match_days": match_days},
        ).mappings()
        frame = pd.DataFrame([dict(r) for r in rows])
    columns = ["customer_id", "snapshot_date", "defaulted", "score_date", "pd_12m", "risk_band", "model_version"]
    return frame if len(frame) else pd.DataFrame(columns=columns)


@dataclass(frozen=True)
class PointInTime:
    """PDs of one version on past snapshots, banded as scoring bands them, with the outcomes."""

    pds: np.ndarray
    bands: np.ndarray
    defaulted: np.ndarray
    snapshot_dates: list[date]
    trained_as_of: date | None

    @property
    def in_sample(self) -> int:
        """Snapshots on or before the version's training date (it learned from them)."""
        if self.trained_as_of is None:
            return len(self.snapshot_dates)
        return sum(d <= self.trained_as_of for d in self.snapshot_dates)


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def trained_as_of(settings: Settings, ref) -> date | None:
    """The version's training as-of date (its `as_of` tag), or None when it trained on all staged data."""
    from finrisk.registry.tracking import client

    tags = client(settings).get_model_version(ref.name, ref.version).tags
    try:
        return date.fromisoformat(str(tags.get("as_of", ""))[:10])
    except ValueError:
        return None


def point_in_time(
    settings: Settings, engine: Engine, ref, period: tuple[date, date], as_of: date, progress=None
) -> PointInTime:
    """Score version `ref` on every labelled snapshot in `period` known by `as_of`, point in time."""
    from finrisk.models.specs import SPECS
    from finrisk.registry.client import load_scorer
    from finrisk.scoring.embedding_store import EmbeddingStore

    spec, cfg = SPECS[ref.model], settings.scoring
    with engine.connect() as conn:
        records = [r for r in spec.training_records(conn, as_of) if period[0] <= _day(r.meta["time"]) <= period[1]]
    scorer = load_scorer(settings, ref)
    store = (
        EmbeddingStore(engine, ref.model, scorer.vector_source, scorer.encoder_variant)
        if cfg.embedding_store and getattr(scorer, "reuses_embeddings", False)
        else None
    )
    pds = []
    block = cfg.batch_size * 8
    for start in range(0, len(records), block):
        part = records[start : start + block]
        if store is not None:
            probs = scorer.predict_records(part, cfg.batch_size, store.vectors(scorer, part, cfg.batch_size))
        else:
            probs = scorer.predict_records(part, cfg.batch_size)
        pds.append(np.clip(np.asarray(probs, dtype=float)[:, scorer.positive_index], 0.0, 1.0))
        if progress:
            progress(len(part))
    values = np.concatenate(pds) if pds else np.zeros(0)
    return PointInTime(
        values,
        np.array([risk_band(p, cfg.band_cutoffs) for p in values], dtype=object),
        np.array([bool(r.meta["label"] == spec.positive_index) for r in records], dtype=bool),
        [_day(r.meta["time"]) for r in records],
        trained_as_of(settings, ref),
    )
