"""The audit of a date's staged batches: nothing is published unless every check passes.

Checks: one row per active customer (when credit was scored), no null or duplicate keys, every probability in [0, 1],
and (from a configured population size on) every band present in a sane share.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.engine import Connection

from finrisk.config import ScoringSettings
from finrisk.db.sql import query
from finrisk.features.records import end_of_day
from finrisk.models.specs import MODELS
from finrisk.scoring.scales import BANDS, band_share_problem


def audit(conn: Connection, score_date: date, run_ids: Sequence[str], cfg: ScoringSettings,
          scored: Sequence[str] = MODELS) -> list[str]:
    """Problems with the staged batches of the date; empty when they may be published.

    `scored`: the models the batches were scored with (one with no champion tonight is skipped).
    """
    params = {"run_ids": list(run_ids)}
    c = conn.execute(query("scoring/audit_batch"), params).one()
    problems = []
    if "credit" in scored:
        active = conn.execute(query("scoring/count_active_customers"), {"as_of": end_of_day(score_date)}).scalar_one()
        if c.customers != active:
            problems.append(f"{c.customers} customers scored but {active} are active")
    for what, total, distinct, nulls in (
        ("customer_id", c.customers, c.distinct_customers, c.null_customer_ids),
        ("txn_id", c.transactions, c.distinct_transactions, c.null_txn_ids),
        ("article_id", c.articles, c.distinct_articles, c.null_article_ids),
    ):
        if nulls:
            problems.append(f"{nulls} null {what}")
        if total - nulls != distinct:
            problems.append(f"{total - nulls - distinct} duplicate {what}")
    for what, bad in (("pd_12m", c.bad_pds), ("fraud_prob", c.bad_fraud_probs), ("negative_prob", c.bad_news_probs)):
        if bad:
            problems.append(f"{bad} {what} outside [0, 1]")
    if c.missing_bands:
        problems.append(f"{c.missing_bands} customers without band or points")
    if c.customers and c.customers >= cfg.audit_band_min_rows:
        counts = {r.risk_band: int(r.customers) for r in conn.execute(query("scoring/band_counts"), params)}
        for band in BANDS:
            problem = band_share_problem(band, counts.get(band, 0), c.customers, cfg.audit_band_min_share,
                                         cfg.audit_band_max_share, cfg.audit_band_min_rows)
            if problem:
                problems.append(problem)
    return problems
