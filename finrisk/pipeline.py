"""The nightly job as one plain function: the steps in order, each a library call.

`run_nightly(settings, run_date)` is what `finrisk nightly` and the quick start run on the
embedded default: migrations, demo data when the source is empty, incremental ingest,
validation, training (a model with no champion yet, or every model when asked), and
scoring with the champions, published to risk.*. Each step is idempotent for the run date,
so the whole night can be re-run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from finrisk.config import Settings
from finrisk.db.engine import describe, get_engine, warehouse_url
from finrisk.db.migrate import upgrade
from finrisk.db.sql import query
from finrisk.errors import FinriskError, mask_url, redact
from finrisk.registry.client import resolve_alias
from finrisk.registry.tracking import tracking_uri

log = logging.getLogger(__name__)

from finrisk.models.specs import MODELS  # noqa: E402  (the one list of models)


@dataclass(frozen=True)
class DemoOptions:
    """How much demo data to generate when the source tables are empty."""

    customers: int = 3000
    days: int = 90
    seed: int = 42


TRAIN_POLICIES = ("missing", "always", "never")


@dataclass
class NightlyResult:
    """What one night produced, as one line per step plus where to look."""

    run_date: date
    lines: list[str] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)


def source_is_empty(settings: Settings) -> bool:
    """True when upstream has written no customers yet."""
    with get_engine(settings).connect() as conn:
        return conn.execute(query("pipeline/source_customer_count")).scalar() == 0


def run_nightly(
    settings: Settings,
    run_date: date,
    demo: DemoOptions | None = DemoOptions(),
    echo: Callable[[str], None] = log.info,
    train: str | None = None,
) -> NightlyResult:
    """Run the night for `run_date`; `demo=None` never generates data.

    `train` (default: `settings.train.policy`, FINRISK_TRAIN__POLICY): "missing" trains only the
    models that have no champion yet, "always" trains all three (each goes through the promotion
    gate), "never" scores with what is registered.
    """
    train = train or settings.train.policy
    if train not in TRAIN_POLICIES:
        raise FinriskError(f"train policy {train!r} is not one of {', '.join(TRAIN_POLICIES)}")
    from finrisk.ingest import run_ingest
    from finrisk.models.args import TrainArgs
    from finrisk.models.train import train_model
    from finrisk.quality import run_validation
    from finrisk.scoring.run import score

    result = NightlyResult(run_date)

    def step(line: str) -> None:
        line = redact(line)  # a step's line may quote a URL or a driver's message
        result.lines.append(line)
        echo(line)

    applied = upgrade(get_engine(settings))
    step(f"db upgrade: {len(applied)} migration(s) applied")

    if demo is not None and source_is_empty(settings):
        from finrisk.demo import generate

        summary = generate(settings, demo.customers, demo.days, demo.seed, end_date=run_date)
        step(summary.line())

    ingest = run_ingest(settings, run_date)
    step(f"ingest {run_date}: {ingest.total_rows} rows into staging.*")

    report = run_validation(settings, run_date)
    failed = sum(len(t.failed_expectations) for t in report.tables.values())
    step(f"validate {run_date}: {failed} failed expectations, {report.quarantined_rows} rows quarantined")

    for model in _models_to_train(settings, train):
        trained = train_model(settings, model, TrainArgs.from_settings(settings))
        key = "macro_f1" if "macro_f1" in trained.metrics else "auc"
        step(f"train {trained.registered_name}: version {trained.version}, holdout {key} "
             f"{trained.metrics[key]:.3f} (baseline {trained.baseline_metrics.get(key, float('nan')):.3f}), "
             f"gate {trained.decision.decision}")

    scored = score(settings, run_date)
    step(scored.summary())
    with get_engine(settings).connect() as conn:
        bands = conn.execute(query("pipeline/band_shares"), {"score_date": run_date}).all()
    total = sum(b.customers for b in bands) or 1
    step("bands: " + ", ".join(f"{b.risk_band} {100 * b.customers / total:.1f}% (mean PD {b.mean_pd:.3f})"
                               for b in bands))

    result.where.update(
        warehouse=describe(warehouse_url(settings)),
        scores="select * from risk.latest_risk_scores order by pd_12m desc limit 20",
        alerts=f"select * from risk.risk_alerts where score_date = '{run_date}'",
        data_docs=str(report.index_html),
        quarantine="select * from quality.quarantine",
        mlflow=_mlflow_hint(tracking_uri(settings)),
    )
    result.where = {name: redact(where) for name, where in result.where.items()}
    return result


def _mlflow_hint(uri: str) -> str:
    """The command that opens the MLflow UI on this backend, its password masked (never printed)."""
    shown = mask_url(uri)
    hint = f"mlflow ui --backend-store-uri '{shown}'"
    return hint if shown == uri else f"{hint}  (*** is the password in MLFLOW_TRACKING_URI)"


def _models_to_train(settings: Settings, policy: str) -> list[str]:
    """The models this night trains under the policy."""
    if policy == "never":
        return []
    if policy == "always":
        return list(MODELS)
    return [m for m in MODELS if resolve_alias(settings, m, "champion") is None]
