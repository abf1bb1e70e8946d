"""Publish a date: audit the complete set of staged shards, then replace the date in risk.* at once.

One transaction (repeatable read: the audit and the inserts see the same staged rows) deletes
the date from the published tables of the models scored, inserts exactly the audited runs'
rows from risk_stage, derives fraud alerts, risk scores (with their 7-day fraud and 30-day news
windows), early warnings and monitoring, marks the shard runs published and clears the date
from staging. A crash anywhere before the commit leaves the published tables as they were.
The caller holds the date's exclusive run lock (`locks.RunLock`), so no run stages the date
meanwhile.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection, Engine

from finrisk.bands import BANDS
from finrisk.config import MonitoringSettings, ScoringSettings
from finrisk.db.copy import copy_rows
from finrisk.db.sql import query
from finrisk.errors import FinriskError
from finrisk.features.credit import NUMBER_GROUPS as CREDIT_NUMBER_GROUPS
from finrisk.models.specs import SPECS
from finrisk.monitoring.drift import COLUMNS as MONITORING_COLUMNS
from finrisk.monitoring.drift import monitoring_rows
from finrisk.monitoring.runs import mark_published
from finrisk.scoring.audit import audit
from finrisk.scoring.hooks import reached
from finrisk.scoring.stage import clear_runs

log = logging.getLogger(__name__)


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


def batch_versions(batch) -> dict[str, str]:
    """The champion versions a staged batch was scored with (skipped models left out)."""
    return {m: str(v) for m, v in (batch.model_versions or {}).items() if v is not None}


def staged_batches(conn: Connection, score_date: date, run_ids: list[str] | None = None) -> list:
    """The complete shard set of the latest layout staged for the date (or exactly `run_ids`), or a one-line error."""
    batches = conn.execute(query("scoring/staged_batches"), {"score_date": score_date, "run_ids": run_ids}).all()
    if run_ids is not None and len(batches) != len(set(run_ids)):
        missing = sorted(set(run_ids) - {b.run_id for b in batches})
        raise FinriskError(
            f"{score_date}: run(s) {', '.join(missing)} have nothing staged any more; score the date again"
        )
    if not batches:
        raise FinriskError(f"nothing is staged for {score_date}: run finrisk score --date {score_date} first")
    n = batches[0].shard_count
    missing = sorted(set(range(n)) - {b.shard_index for b in batches})
    if missing:
        raise FinriskError(f"{score_date}: shard(s) {', '.join(f'{i}/{n}' for i in missing)} not staged yet")
    layouts = {tuple(sorted(batch_versions(b).items())) for b in batches}
    if len(layouts) > 1:
        raise FinriskError(
            f"{score_date}: shards were scored with different model versions "
            f"{sorted(map(dict, layouts), key=str)}; rescore them"
        )
    return list(batches)


def _count(result) -> int:
    return max(int(result.rowcount or 0), 0)


def publish_staged(
    engine: Engine,
    cfg: ScoringSettings,
    score_date: date,
    run_id: str,
    run_ids: list[str] | None = None,
    versions: dict | None = None,
    monitoring_settings: MonitoringSettings | None = None,
) -> Published:
    """Audit the staged shards of the date (exactly `run_ids` when given) and replace the date in risk.* at once.

    `versions` (the night's pinned {"champion": ..., "challenger": ...}) must match what the shards
    were scored with, or nothing is published.
    """
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        batches = staged_batches(conn, score_date, run_ids)
        run_ids = [b.run_id for b in batches]
        first = batches[0]
        versions_used = batch_versions(first)
        if versions is not None and dict(versions.get("champion") or {}) != versions_used:
            raise FinriskError(
                f"{score_date}: shards were scored with {versions_used} but the night pinned "
                f"{dict(versions.get('champion') or {})}; rescore them with the pinned versions"
            )
        problems = audit(conn, score_date, run_ids, cfg, scored=list(versions_used))
        flagged = [p for p in problems if p.startswith("band ")] if cfg.audit_band_action == "flag" else []
        blocking = [p for p in problems if p not in flagged]
        if blocking:
            hint = (
                " (band shares are configured by FINRISK_SCORING__AUDIT_BAND_MIN_SHARE / _MAX_SHARE / _MIN_ROWS"
                " / _ACTION)"
                if any(p.startswith("band ") for p in blocking)
                else ""
            )
            raise FinriskError(f"audit of {score_date} failed, nothing published: {'; '.join(blocking)}{hint}")
        if flagged:
            log.warning("publishing %s with band shares flagged, not blocked: %s", score_date, "; ".join(flagged))
        challengers = dict(first.challenger_versions or {})
        references = dict(first.model_references or {})
        base = {"score_date": score_date, "run_ids": run_ids}
        conn.execute(
            query("scoring/delete_published_day"),
            {"score_date": score_date, "registered": [SPECS[m].registered_name for m in versions_used]},
        )
        rows = _publish_models(conn, cfg, base, versions_used)
        rows["challenger_scores"] = _count(conn.execute(query("scoring/publish_challenger_scores"), base))
        monitoring = monitoring_rows(
            conn,
            score_date,
            run_id,
            run_ids,
            versions_used,
            references,
            cfg.psi_threshold,
            band_bounds=(cfg.audit_band_min_share, cfg.audit_band_max_share, cfg.audit_band_min_rows),
            monitoring=monitoring_settings,
        )
        rows["score_monitoring"] = copy_rows(
            conn.connection.dbapi_connection, "risk.score_monitoring", MONITORING_COLUMNS, monitoring
        )
        mark_published(conn, [*run_ids, run_id])
        clear_runs(conn, score_date, None)
        reached("publishing")
    log.info("published %s: %s", score_date, rows)
    return Published(score_date, run_ids, versions_used, challengers, rows)


def _publish_params(cfg: ScoringSettings, base: dict, versions: dict[str, str]) -> dict:
    """Every bound parameter a target's publish query may use (each reads the ones it names)."""
    return {
        **base,
        "threshold": cfg.fraud_alert_threshold,
        "fraud_window_days": cfg.fraud_window_days,
        "news_window_days": cfg.news_window_days,
        "news_half_life_days": cfg.news_half_life_days,
        **{f"{m}_model_version": versions.get(m) for m in SPECS},
        "bands": list(BANDS),
        "worst_band": BANDS[-1],
        "band_jump": cfg.alert_band_jump,
        "pd_ratio": cfg.alert_pd_ratio,
        "min_pd": cfg.alert_min_pd,
        "min_pd_increase": cfg.alert_min_pd_increase,
        "hold_nights": cfg.alert_hold_nights,
        "reason_inputs": json.dumps(CREDIT_NUMBER_GROUPS),  # reason code -> numeric inputs, for the warnings' changes
    }


def _publish_models(conn: Connection, cfg: ScoringSettings, base: dict, versions: dict[str, str]) -> dict[str, int]:
    """Replace the date in each scored model's published tables (rows per table; 0 for a model skipped tonight).

    A model whose publish reads the others' published rows of the date (credit's risk scores carry
    the fraud and news windows) goes after them. A model skipped tonight keeps its published rows.
    """
    params = _publish_params(cfg, base, versions)
    rows = {table: 0 for spec in SPECS.values() for table, _ in spec.target.publishes}
    order = sorted((spec for m, spec in SPECS.items() if m in versions), key=lambda s: s.target.publish_after_others)
    for spec in order:
        conn.execute(spec.target.query("delete_day"), params)
        for table, name in spec.target.publishes:
            rows[table] = _count(conn.execute(spec.target.query(name), params))
    return rows
