"""Publish a date: audit the complete set of staged shards, then replace the date in risk.* at once.

One transaction deletes the date from every published table, inserts from risk_stage,
derives fraud alerts, risk scores (with their 7-day fraud and 30-day news windows), early
warnings and monitoring, marks the shard runs published and clears the date from staging.
A crash anywhere before the commit leaves the published tables as they were.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection, Engine

from finrisk.config import ScoringSettings
from finrisk.db.copy import copy_rows
from finrisk.db.sql import query
from finrisk.errors import FinriskError
from finrisk.monitoring.drift import COLUMNS as MONITORING_COLUMNS
from finrisk.monitoring.drift import monitoring_rows
from finrisk.monitoring.runs import mark_published
from finrisk.scoring.audit import audit
from finrisk.scoring.scales import BANDS

log = logging.getLogger(__name__)

_LOCK = "finrisk.scoring.publish"


@dataclass(frozen=True)
class Published:
    """What a publish wrote."""

    score_date: date
    run_ids: list[str]
    versions: dict[str, str]
    challenger_versions: dict[str, str]
    rows: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def staged_batches(conn: Connection, score_date: date) -> list:
    """The complete shard set of the latest layout staged for the date, or a one-line error."""
    batches = conn.execute(query("scoring/staged_batches"), {"score_date": score_date}).all()
    if not batches:
        raise FinriskError(f"nothing is staged for {score_date}: run finrisk score --date {score_date} first")
    n = batches[0].shard_count
    missing = sorted(set(range(n)) - {b.shard_index for b in batches})
    if missing:
        raise FinriskError(f"{score_date}: shard(s) {', '.join(f'{i}/{n}' for i in missing)} not staged yet")
    layouts = {(b.credit_model_version, b.fraud_model_version, b.news_model_version) for b in batches}
    if len(layouts) > 1:
        raise FinriskError(f"{score_date}: shards were scored with different model versions {sorted(layouts)}; rescore them")
    return list(batches)


def _count(result) -> int:
    return max(int(result.rowcount or 0), 0)


def publish_staged(engine: Engine, cfg: ScoringSettings, score_date: date, run_id: str) -> Published:
    """Audit the staged shards of the date and replace the date in risk.* in one transaction."""
    with engine.begin() as conn:
        conn.execute(query("scoring/publish_lock"), {"lock": _LOCK, "score_date": score_date})
        batches = staged_batches(conn, score_date)
        run_ids = [b.run_id for b in batches]
        problems = audit(conn, score_date, run_ids, cfg)
        flagged = [p for p in problems if p.startswith("band ")] if cfg.audit_band_action == "flag" else []
        blocking = [p for p in problems if p not in flagged]
        if blocking:
            hint = (" (band shares are configured by FINRISK_SCORING__AUDIT_BAND_MIN_SHARE / _MAX_SHARE / _MIN_ROWS"
                    " / _ACTION)" if any(p.startswith("band ") for p in blocking) else "")
            raise FinriskError(f"audit of {score_date} failed, nothing published: {'; '.join(blocking)}{hint}")
        if flagged:
            log.warning("publishing %s with band shares flagged, not blocked: %s", score_date, "; ".join(flagged))
        first = batches[0]
        versions = {"credit": first.credit_model_version, "fraud": first.fraud_model_version,
                    "news": first.news_model_version}
        challengers = dict(first.challenger_versions or {})
        references = dict(first.model_references or {})
        base = {"score_date": score_date, "run_ids": run_ids}
        conn.execute(query("scoring/delete_published_day"), {"score_date": score_date})
        rows = {
            "transaction_scores": _count(conn.execute(query("scoring/publish_transaction_scores"), base)),
            "fraud_alerts": _count(conn.execute(query("scoring/publish_fraud_alerts"),
                                                {**base, "threshold": cfg.fraud_alert_threshold})),
            "news_signals": _count(conn.execute(query("scoring/publish_news_signals"), base)),
        }
        rows["risk_scores"] = _count(conn.execute(query("scoring/publish_risk_scores"), {
            **base,
            "fraud_window_days": cfg.fraud_window_days,
            "news_window_days": cfg.news_window_days,
            "news_half_life_days": cfg.news_half_life_days,
            "fraud_model_version": versions["fraud"],
            "news_model_version": versions["news"],
        }))
        rows["risk_alerts"] = _count(conn.execute(query("scoring/publish_risk_alerts"), {
            "score_date": score_date,
            "bands": list(BANDS),
            "worst_band": BANDS[-1],
            "band_jump": cfg.alert_band_jump,
            "pd_ratio": cfg.alert_pd_ratio,
            "min_pd": cfg.alert_min_pd,
        }))
        rows["challenger_scores"] = _count(conn.execute(query("scoring/publish_challenger_scores"), base))
        monitoring = monitoring_rows(conn, score_date, run_id, run_ids, versions, references, cfg.psi_threshold,
                                     band_bounds=(cfg.audit_band_min_share, cfg.audit_band_max_share,
                                                  cfg.audit_band_min_rows))
        rows["score_monitoring"] = copy_rows(conn.connection.dbapi_connection, "risk.score_monitoring",
                                             MONITORING_COLUMNS, monitoring)
        mark_published(conn, run_ids)
        conn.execute(query("scoring/clear_stage_day"), {"score_date": score_date})
    log.info("published %s: %s", score_date, rows)
    return Published(score_date, run_ids, versions, challengers, rows)
