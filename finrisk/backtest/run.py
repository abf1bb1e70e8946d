"""The back-test step (`finrisk backtest`, the monthly DAG) and the nightly estimate before labels.

`backtest(settings, as_of)` compares the PDs with the outcomes known by the end of `as_of`:
- published PDs, one back-test per version that published them (source `published`);
- when no version has `min_observations` matched outcomes (the nights are too recent), the champion
  scored point in time on the past snapshots (source `point_in_time`), or whenever `version` is given;
- the band migration between the first and last published dates of the period, concentration (HHI);
- the fraud model's realised precision and recall at the alert threshold on matured labels;
- the realised figures beside each night's estimate (risk.performance_estimates);
- the model cards of the inventory.
Each result replaces what an earlier run with the same key wrote. `estimate_night` stores the
champion's estimated AUC and default rate for one published night (CBPE, `estimate.py`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np

from finrisk.backtest import outcomes, store
from finrisk.backtest.cards import model_cards
from finrisk.backtest.compare import Comparison, compare
from finrisk.backtest.discrimination import bootstrap_auc
from finrisk.backtest.estimate import estimated_auc, expected_default_rate
from finrisk.backtest.migration import migration_matrix, stability
from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.db.sql import query
from finrisk.errors import FinriskError
from finrisk.models.specs import SPECS

log = logging.getLogger(__name__)

SOURCES = ("auto", "published", "point-in-time")
EARLIEST = date(1900, 1, 1)


def pd_model() -> str:
    """The model whose PDs are banded and published as risk scores (its spec's target has bands)."""
    return next(m for m, spec in SPECS.items() if spec.target.has_bands)


@dataclass
class Backtest:
    """One stored back-test: its key, the comparison and its id in risk.backtest_runs."""

    key: dict
    comparison: Comparison
    backtest_id: str
    in_sample: int = 0


@dataclass
class BacktestReport:
    """What a back-test run stored; `lines()` is the console's table."""

    as_of: date
    backtests: list[Backtest] = field(default_factory=list)
    migration: dict | None = None  # {from_date, to_date, stayed, one_band, further, customers}
    fraud: list[dict] = field(default_factory=list)
    realised_nights: int = 0
    note: str = ""
    fraud_maturity_days: int = 0

    def lines(self) -> list[str]:
        """The back-test table per back-test, then migration and fraud, one line each."""
        out = []
        for bt in self.backtests:
            k, c = bt.key, bt.comparison
            sample = f", {bt.in_sample} in-sample" if k["source"] == "point_in_time" else ""
            out.append(
                f"{k['model']} v{k['model_version']} ({k['source'].replace('_', ' ')}, snapshots "
                f"{k['period_start']}..{k['period_end']}, outcomes known by {k['as_of_date']}{sample}): "
                f"light {c.light}, AUC {c.auc:.3f} [{c.auc_low:.3f}, {c.auc_high:.3f}], "
                f"HL p {c.hl_p:.3f} on {c.hl_dof} bands, HHI {c.hhi:.3f}"
            )
            out.append(f"  {'band':<5}{'N':>7}{'D':>6}{'mean PD':>9}{'observed':>10}{'Jeffreys p':>12}  light")
            for cell in [*c.bands, c.overall]:
                out.append(
                    f"  {cell.risk_band:<5}{cell.observations:>7}{cell.defaults:>6}{cell.mean_pd:>9.3f}"
                    f"{cell.observed_rate:>10.3f}{cell.jeffreys_p:>12.3f}  {cell.light}"
                )
        if not self.backtests:
            out.append(f"no PD back-test: {self.note or 'no outcomes matched'}")
        if self.migration:
            m = self.migration
            out.append(
                f"band migration {m['from_date']} -> {m['to_date']}: {m['customers']} customers, "
                f"{m['stayed']:.1%} stayed, {m['one_band']:.1%} moved one band, {m['further']:.1%} further"
            )
        for f in self.fraud:
            precision = "n/a" if f["precision"] is None else f"{f['precision']:.3f}"
            recall = "n/a" if f["recall"] is None else f"{f['recall']:.3f}"
            out.append(
                f"{f['model']} v{f['model_version']} at threshold {f['threshold']}: precision {precision} "
                f"({f['true_positives']}/{f['alerts']} alerts), recall {recall} "
                f"({f['true_positives']}/{f['confirmed_frauds']} frauds) on {f['transactions']} matured transactions"
            )
        if not self.fraud:
            out.append(
                f"fraud: no scored transaction is {self.fraud_maturity_days} days old yet: "
                "precision and recall wait for its labels to mature"
            )
        if self.realised_nights:
            out.append(f"realised figures recorded beside {self.realised_nights} night(s) of estimates")
        return out


def _settings_row(settings: Settings) -> dict:
    return {**settings.backtest.model_dump(mode="json"), "band_cutoffs": list(settings.scoring.band_cutoffs)}


def _key(model: str, version: str, source: str, period: tuple[date, date], as_of: date, snapshots=()) -> dict:
    """The back-test's identity; with no --from, its period starts at the earliest snapshot it compared."""
    if period[0] == EARLIEST and len(snapshots):
        period = (min(snapshots), period[1])
    return {
        "model": SPECS[model].registered_name,
        "model_version": str(version),
        "source": source,
        "period_start": period[0],
        "period_end": period[1],
        "as_of_date": as_of,
    }


def _tag_version(settings: Settings, bt: Backtest) -> None:
    """Show the last back-test on the version's page in the MLflow UI (tags); a version MLflow lacks is logged."""
    from mlflow.exceptions import MlflowException

    from finrisk.registry.tracking import client

    k, c = bt.key, bt.comparison
    summary = (
        f"{c.light}: {c.overall.defaults}/{c.overall.observations} defaulted ({c.overall.observed_rate:.2%}) "
        f"against mean PD {c.overall.mean_pd:.2%}, Jeffreys p {c.overall.jeffreys_p:.3f}, AUC {c.auc:.3f} "
        f"[{c.auc_low:.3f}, {c.auc_high:.3f}] ({k['source']}, outcomes known by {k['as_of_date']})"
    )
    try:
        mlflow = client(settings)
        mlflow.set_model_version_tag(k["model"], k["model_version"], "backtest_light", c.light)
        mlflow.set_model_version_tag(k["model"], k["model_version"], "backtest", summary)
    except (MlflowException, FinriskError) as exc:
        log.warning("%s v%s: back-test not tagged in MLflow: %s", k["model"], k["model_version"], str(exc)[:200])


def _published(settings: Settings, engine, pairs, period, as_of) -> list[Backtest]:
    model, found = pd_model(), []
    for version, group in pairs.groupby("model_version", sort=True):
        comparison = compare(group["pd_12m"], group["risk_band"], group["defaulted"].astype(bool), settings.backtest)
        key = _key(model, version, "published", period, as_of, list(group["snapshot_date"]))
        with engine.begin() as conn:
            found.append(
                Backtest(key, comparison, store.save_backtest(conn, key, comparison, 0, _settings_row(settings)))
            )
    return found


def _point_in_time(settings: Settings, engine, version: str | None, period, as_of, progress) -> Backtest:
    from finrisk.registry.client import get_version, resolve_alias

    model = pd_model()
    ref = get_version(settings, model, version) if version else resolve_alias(settings, model, "champion")
    if ref is None:
        raise FinriskError(f"{SPECS[model].registered_name} has no @champion to back-test: give --version")
    pit = outcomes.point_in_time(settings, engine, ref, period, as_of, progress)
    if not len(pit.pds):
        raise FinriskError(f"no outcomes with snapshots in {period[0]}..{period[1]} known by {as_of}")
    comparison = compare(pit.pds, pit.bands, pit.defaulted, settings.backtest)
    key = _key(model, ref.version, "point_in_time", period, as_of, pit.snapshot_dates)
    with engine.begin() as conn:
        backtest_id = store.save_backtest(conn, key, comparison, pit.in_sample, _settings_row(settings))
    return Backtest(key, comparison, backtest_id, pit.in_sample)


def _migration(engine, period) -> dict | None:
    with engine.connect() as conn:
        dates = [
            r.score_date
            for r in conn.execute(query("backtest/published_dates"), dict(zip(("period_start", "period_end"), period)))
        ]
        if len(dates) < 2:
            return None
        bands = [
            {r.customer_id: r.risk_band for r in conn.execute(query("backtest/published_bands"), {"score_date": d})}
            for d in (dates[0], dates[-1])
        ]
    counts = migration_matrix(*bands)
    with engine.begin() as conn:
        store.save_migration(conn, dates[0], dates[-1], counts)
    return {"from_date": dates[0], "to_date": dates[-1], "customers": sum(counts.values()), **stability(counts)}


def _fraud(settings: Settings, engine, period, as_of) -> list[dict]:
    model = settings.backtest.alert_model
    if model not in SPECS:
        raise FinriskError(f"backtest.alert_model {model!r} is not a model: choose one of {', '.join(SPECS)}")
    params = {
        "period_start": period[0],
        "period_end": period[1],
        "as_of_date": as_of,
        "maturity_days": settings.backtest.fraud_maturity_days,
    }
    rows = []
    with engine.begin() as conn:
        for r in conn.execute(query("backtest/fraud_outcomes"), params).mappings().all():
            row = {
                **params,
                **r,
                "model": SPECS[model].registered_name,
                "threshold": settings.scoring.fraud_alert_threshold,
                "precision": r["true_positives"] / r["alerts"] if r["alerts"] else None,
                "recall": r["true_positives"] / r["confirmed_frauds"] if r["confirmed_frauds"] else None,
                "computed_at": datetime.now(UTC),
            }
            conn.execute(query("backtest/upsert_fraud"), row)
            rows.append(row)
    return rows


def _realised(settings: Settings, engine, pairs) -> int:
    """Record the realised AUC and default rate beside each night's estimate that has matched outcomes."""
    model, nights = SPECS[pd_model()].registered_name, 0
    with engine.begin() as conn:
        for (night, version), group in pairs.groupby(["score_date", "model_version"], sort=True):
            interval = bootstrap_auc(
                group["pd_12m"], group["defaulted"].astype(bool), settings.backtest.bootstrap_samples
            )
            clean = {k: (None if isinstance(v, float) and v != v else v) for k, v in vars(interval).items()}
            nights += conn.execute(
                query("backtest/record_realised"),
                {
                    "score_date": night,
                    "model": model,
                    "model_version": version,
                    "observations": interval.observations,
                    "defaults": interval.defaults,
                    "auc": clean["auc"],
                    "auc_low": clean["low"],
                    "auc_high": clean["high"],
                    "observed_rate": float(group["defaulted"].astype(bool).mean()),
                    "realised_at": datetime.now(UTC),
                },
            ).rowcount
    return nights


def backtest(
    settings: Settings,
    as_of: date,
    period_start: date | None = None,
    period_end: date | None = None,
    source: str = "auto",
    version: str | None = None,
    progress=None,
) -> BacktestReport:
    """Back-test the PD model (and the alert model) on outcomes known by the end of `as_of`; store in risk.*."""
    if source not in SOURCES:
        raise FinriskError(f"source {source!r} is not one of {', '.join(SOURCES)}")
    period = (period_start or EARLIEST, period_end or as_of)
    if period[0] > period[1]:
        raise FinriskError(f"the period {period[0]}..{period[1]} is empty")
    engine = get_engine(settings)
    report = BacktestReport(as_of, fraud_maturity_days=settings.backtest.fraud_maturity_days)
    with engine.begin() as conn:
        store.save_cards(conn, model_cards(settings), {m: s.registered_name for m, s in SPECS.items()})
    pairs = outcomes.published_pairs(engine, period, as_of, settings.backtest.match_days)
    if source in ("auto", "published") and version is None:
        enough = pairs.groupby("model_version").size().max() if len(pairs) else 0
        if source == "published" or enough >= settings.backtest.min_observations:
            report.backtests = _published(settings, engine, pairs, period, as_of)
        else:
            report.note = (
                f"{len(pairs)} outcomes met a published PD (fewer than {settings.backtest.min_observations}); "
                "the champion is scored point in time on past snapshots"
            )
        report.realised_nights = _realised(settings, engine, pairs) if len(pairs) else 0
    if source == "point-in-time" or version is not None or (source == "auto" and not report.backtests):
        report.backtests.append(_point_in_time(settings, engine, version, period, as_of, progress))
    for bt in report.backtests:
        _tag_version(settings, bt)
    report.migration = _migration(engine, period)
    report.fraud = _fraud(settings, engine, period, as_of)
    log.info("back-test as of %s: %d back-test(s) stored", as_of, len(report.backtests))
    return report


def estimate_night(settings: Settings, score_date: date) -> dict:
    """Store the estimated AUC and expected default rate of each version that published PDs on `score_date`."""
    engine = get_engine(settings)
    model = SPECS[pd_model()].registered_name
    with engine.begin() as conn:
        rows = conn.execute(query("backtest/night_pds"), {"score_date": score_date}).all()
        by_version: dict[str, list[float]] = {}
        for version, pd in rows:
            by_version.setdefault(str(version), []).append(float(pd))
        estimates = {}
        for version, values in by_version.items():
            probs = np.asarray(values)
            figures = {"estimated_auc": estimated_auc(probs), "expected_default_rate": expected_default_rate(probs)}
            estimates[version] = {"observations": len(probs)} | {
                k: (None if v != v else v)
                for k, v in figures.items()  # NaN (one customer): no estimate
            }
            conn.execute(
                query("backtest/upsert_estimate"),
                {
                    "score_date": score_date,
                    "model": model,
                    "model_version": version,
                    **estimates[version],
                    "estimated_at": datetime.now(UTC),
                },
            )
    log.info("performance estimated for %s on %s: %s", model, score_date, estimates or "nothing published")
    return {"score_date": str(score_date), "model": model, "estimates": estimates}


def backtest_step(settings: Settings, run_date: date) -> dict:
    """The DAG's step: back-test as of `run_date`; returns the lights and the table's lines (JSON-safe, small)."""
    report = backtest(settings, run_date)
    for line in report.lines():
        log.info("%s", line)
    return {
        "as_of": str(run_date),
        "lights": {
            f"{b.key['model']} v{b.key['model_version']} {b.key['source']}": b.comparison.light
            for b in report.backtests
        },
        "observations": {
            f"{b.key['model']} v{b.key['model_version']} {b.key['source']}": b.comparison.overall.observations
            for b in report.backtests
        },
    }
