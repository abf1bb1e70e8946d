"""The audit of a date's staged batches: nothing is published unless every check passes.

Checks, per model scored (its spec's target says which apply): one row per unit of its population (credit:
every active customer), no null or duplicate keys, every probability in [0, 1], no incomplete row, and (for a
banded model, from a configured population size on) every band present in a sane share.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.engine import Connection

from finrisk.bands import BANDS, band_share_problem
from finrisk.config import ScoringSettings
from finrisk.dates import end_of_day
from finrisk.db.sql import query
from finrisk.models.specs import SPECS


def audit(
    conn: Connection,
    score_date: date,
    run_ids: Sequence[str],
    cfg: ScoringSettings,
    scored: Sequence[str] | None = None,
) -> list[str]:
    """Problems with the staged batches of the date; empty when they may be published.

    `scored`: the models the batches were scored with (one with no champion tonight is skipped); None: all.
    """
    params = {"run_ids": list(run_ids)}
    problems = []
    for model, spec in SPECS.items():
        if scored is not None and model not in scored:
            continue
        problems += _target_problems(conn, spec, score_date, params, cfg)
    return problems


def _target_problems(conn: Connection, spec, score_date: date, params: dict, cfg: ScoringSettings) -> list[str]:
    """One model's staged rows: every unit of its population, no null or duplicate key, probabilities in [0, 1]."""
    target, units = spec.target, spec.units
    c = conn.execute(target.query("stats"), params).one()
    problems = []
    if target.population_sql:
        expected = conn.execute(query(target.population_sql), {"as_of": end_of_day(score_date)}).scalar_one()
        if c.rows != expected:
            problems.append(f"{c.rows} {units} scored but {expected} are active")
    if c.null_keys:
        problems.append(f"{c.null_keys} null {target.key_column}")
    if c.rows - c.null_keys != c.distinct_keys:
        problems.append(f"{c.rows - c.null_keys - c.distinct_keys} duplicate {target.key_column}")
    if c.bad_probs:
        problems.append(f"{c.bad_probs} {target.prob_column} outside [0, 1]")
    if c.incomplete_rows:
        problems.append(f"{c.incomplete_rows} {units} {target.incomplete_means}")
    if target.has_bands and c.rows and c.rows >= cfg.audit_band_min_rows:
        counts = {r.risk_band: int(r.customers) for r in conn.execute(query("scoring/band_counts"), params)}
        for band in BANDS:
            problem = band_share_problem(
                band,
                counts.get(band, 0),
                c.rows,
                cfg.audit_band_min_share,
                cfg.audit_band_max_share,
                cfg.audit_band_min_rows,
            )
            if problem:
                problems.append(problem)
    return problems
