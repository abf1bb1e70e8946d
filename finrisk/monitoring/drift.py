"""risk.score_monitoring rows for a published date: PSI, band shares, means, challenger agreement.

Everything is computed from the staged batches inside the publish transaction, binned in SQL
(width_bucket), so memory does not grow with the population. The champions' training
references travel with the batches (`model_references`), so publishing needs no registry.

Each PSI row keeps the night's own counts per reference bin (`night_counts`). A night too small
to judge on its own is pooled with the model version's previous published nights, read back
from those counts in risk.score_monitoring (only a publish writes it, so every date there is
a published night); the published tables do not keep the inputs, so that is the only way back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from finrisk.bands import BANDS, band_share_problem
from finrisk.config import MonitoringSettings
from finrisk.db.sql import query
from finrisk.models.specs import SPECS
from finrisk.monitoring.psi import counts_from_buckets, inner_thresholds, shares
from finrisk.monitoring.signals import model_status
from finrisk.monitoring.stability import PsiRules, judge

DECILES = [round(0.1 * i, 1) for i in range(1, 10)]

COLUMNS = (
    "score_date",
    "run_id",
    "model",
    "model_version",
    "role",
    "metric",
    "feature",
    "value",
    "threshold",
    "is_flagged",
    "detail",
    "computed_at",
)


def _finite(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _buckets(conn: Connection, statement, params: Mapping[str, Any], bins: int) -> list[float]:
    rows = conn.execute(statement, dict(params)).all()
    return counts_from_buckets(((r.bucket, r.rows) for r in rows), bins).tolist()


class _EarlierNights:
    """The previous published nights' counts per reference bin of one model version, read once when a night is small."""

    def __init__(self, conn: Connection, model: str, version: str, score_date: date, nights: int):
        self._params = {"model": model, "model_version": version, "score_date": score_date, "nights": nights}
        self._conn = conn
        self._by_feature: dict[str, list[tuple[date, list, list]]] | None = None

    def of(self, label: str, edges: Sequence[float]) -> list[tuple[date, list]]:
        """Latest first; only nights binned on the same reference edges."""
        if self._by_feature is None:
            self._by_feature = {}
            for r in self._conn.execute(query("monitoring/earlier_night_counts"), self._params):
                self._by_feature.setdefault(r.feature, []).append((r.score_date, list(r.night_counts), r.edges))
        wanted = [float(e) for e in edges]
        return [(day, counts) for day, counts, e in self._by_feature.get(label, []) if [float(x) for x in e] == wanted]


def _psi_row(conn, run_ids, spec, feature, reference, earlier, rules, score_date) -> tuple[float | None, bool, dict]:
    """One PSI row: tonight's counts per reference bin, pooled with earlier nights when few, judged."""
    bins = len(reference["shares"])
    try:
        thresholds = inner_thresholds(reference["edges"], bins)
    except ValueError as exc:
        return None, False, {"status": "bad_reference", "reason": str(exc), "rows": 0}
    if thresholds:
        counts = _buckets(
            conn, spec.target.query("buckets"), {"run_ids": run_ids, "feature": feature, "thresholds": thresholds}, bins
        )
    else:
        counts = [0.0] * bins
    label = feature or spec.target.prob_column
    night_rows = sum(counts)
    # a model that scores its whole population every night (credit: every active customer) would
    # count the same units again from earlier nights: only event-like units (transactions, articles) pool
    poolable = spec.target.population_sql is None
    small = bool(thresholds) and night_rows < rules.min_rows
    pool = earlier.of(label, reference["edges"]) if small and poolable else []
    value, flagged, detail = judge(reference, counts, pool, rules, score_date)
    if small and not poolable:
        detail["not_pooled"] = f"each night scores all {spec.units} again: earlier nights would count them twice"
    return value, flagged, detail


def monitoring_rows(
    conn: Connection,
    score_date: date,
    run_id: str,
    run_ids: Sequence[str],
    versions: Mapping[str, str],
    references: Mapping[str, dict],
    psi_threshold: float,
    band_bounds: tuple[float, float, int] | None = None,
    monitoring: MonitoringSettings | None = None,
) -> list[tuple]:
    """Every monitoring row of the date, ready for COPY into risk.score_monitoring.

    `band_bounds` = (min share, max share, min customers): band_share rows outside it are flagged.
    `monitoring` says when a PSI has the sample to be a finding (defaults when not given); see
    `finrisk.monitoring.stability` for the PSI rows' statuses and `signals.model_status` for the
    drift row's.
    """
    rules = PsiRules.from_settings(psi_threshold, monitoring)
    now = datetime.now(UTC)
    out: list[tuple] = []

    def add(model, role, metric, feature="", value=None, threshold=None, flagged=False, detail=None, version=None):
        out.append(
            (
                score_date,
                run_id,
                SPECS[model].registered_name,
                version or versions[model],
                role,
                metric,
                feature,
                _finite(value),
                threshold,
                bool(flagged),
                detail or {},
                now,
            )
        )

    run_ids = list(run_ids)
    for model, spec in ((m, s) for m, s in SPECS.items() if m in versions):  # skipped tonight: no rows
        prob = spec.target.prob_column
        summary = conn.execute(spec.target.query("summary"), {"run_ids": run_ids}).all()
        rows = sum(int(r.rows) for r in summary)
        mean = sum(float(r.mean_prob) * int(r.rows) for r in summary) / rows if rows else None
        add(model, "champion", "rows", value=rows, detail={"units": spec.units})
        add(model, "champion", "mean_prob", prob, value=mean)
        counts = _buckets(
            conn, spec.target.query("buckets"), {"run_ids": run_ids, "feature": None, "thresholds": DECILES}, 10
        )
        add(
            model,
            "champion",
            "distribution",
            prob,
            detail={"edges": [0.0, *DECILES, 1.0], "shares": [round(x, 6) for x in shares(counts).tolist()]},
        )
        reference = references.get(model) or {}
        targets = []
        if reference.get("score"):
            targets.append((prob, None, reference["score"]))
        for name, ref in (reference.get("inputs") or {}).items():
            targets.append((name, name, ref))
        earlier = _EarlierNights(conn, spec.registered_name, versions[model], score_date, rules.pool_nights)
        judged: dict[str, tuple[float | None, dict]] = {}
        for label, feature, ref in targets:
            value, flagged, detail = _psi_row(conn, run_ids, spec, feature, ref, earlier, rules, score_date)
            detail["kind"] = "score" if feature is None else "input"
            add(model, "champion", "psi", label, value, psi_threshold, flagged, detail)
            judged[label] = (value, detail)
        status, score_psi, detail = model_status(prob if reference.get("score") else None, judged, rules)
        detail["has_reference"] = bool(reference)
        add(
            model,
            "champion",
            "drift",
            value=score_psi,
            threshold=psi_threshold,
            flagged=status == "drift",
            detail=detail,
        )

    for model in (m for m, spec in SPECS.items() if spec.target.has_bands and m in versions):
        _band_rows(conn, run_ids, band_bounds, lambda *a, **k: add(model, *a, **k))

    by_registered = {spec.registered_name: m for m, spec in SPECS.items()}  # shadow rows carry the registered name
    for r in conn.execute(query("monitoring/challenger_summary"), {"run_ids": run_ids}):
        model = by_registered.get(r.model)
        if model is None:
            continue
        prob = SPECS[model].target.prob_column
        add(model, "challenger", "rows", value=int(r.rows), version=r.version, detail={"units": SPECS[model].units})
        add(
            model,
            "challenger",
            "mean_prob",
            prob,
            value=float(r.mean_prob),
            version=r.version,
            detail={"champion_version": r.champion_version, "champion_mean_prob": float(r.champion_mean_prob)},
        )
        add(
            model,
            "challenger",
            "spearman",
            prob,
            value=_finite(r.spearman),
            version=r.version,
            detail={"champion_version": r.champion_version},
        )
        dists = {}
        for side, flag in (("challenger", False), ("champion", True)):
            counts = _buckets(
                conn,
                query("monitoring/challenger_buckets"),
                {"run_ids": run_ids, "model": r.model, "champion": flag, "thresholds": DECILES},
                10,
            )
            dists[side] = [round(x, 6) for x in shares(counts).tolist()]
        add(
            model,
            "challenger",
            "distribution",
            prob,
            version=r.version,
            detail={
                "edges": [0.0, *DECILES, 1.0],
                "challenger_shares": dists["challenger"],
                "champion_shares": dists["champion"],
                "champion_version": r.champion_version,
            },
        )
    return out


def _band_rows(conn: Connection, run_ids: list[str], band_bounds, add) -> None:
    """band_share rows of a banded model: each band's share, flagged outside the configured bounds."""
    bands = {r.risk_band: r for r in conn.execute(query("scoring/band_counts"), {"run_ids": run_ids})}
    total = sum(int(r.customers) for r in bands.values())
    low, high, min_rows = band_bounds or (0.0, 1.0, 0)
    for band in BANDS:
        r = bands.get(band)
        n = int(r.customers) if r else 0
        share = (n / total) if total else None
        out_of_bounds = band_share_problem(band, n, total, low, high, min_rows) is not None
        add(
            "champion",
            "band_share",
            band,
            value=share,
            flagged=out_of_bounds,
            detail={"customers": n, "mean_pd": float(r.mean_pd) if r else None, "bounds": [low, high]},
        )
