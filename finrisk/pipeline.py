"""The nightly job outside Airflow: the DAG's steps, in the DAG's order, as one plain function.

`run_nightly(settings, run_date)` is what `finrisk nightly` runs: the same `finrisk.steps`
functions the `finrisk_nightly` and `finrisk_train` DAGs call (migrations, ingest, validation,
training of the models the policy names, the night's versions resolved once, scoring, publish,
drift), plus demo data when the source is empty. Each step is idempotent for the run date, so
the whole night can be re-run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from finrisk import steps
from finrisk.config import TRAIN_POLICIES, Settings
from finrisk.db.engine import describe, get_engine, warehouse_url
from finrisk.db.sql import query
from finrisk.errors import FinriskError, mask_url, redact
from finrisk.models.specs import SPECS
from finrisk.registry.client import resolve_alias
from finrisk.registry.tracking import tracking_uri

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoOptions:
    """How much demo data to generate when the source tables are empty."""

    customers: int = 3000
    days: int = 90
    seed: int = 42


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
    models that have no champion yet, "always" trains every model (each goes through the promotion
    gate), "never" scores with what is registered.
    """
    train = train or settings.train.policy
    if train not in TRAIN_POLICIES:
        raise FinriskError(f"train policy {train!r} is not one of {', '.join(TRAIN_POLICIES)}")
    result = NightlyResult(run_date)

    def step(line: str) -> None:
        line = redact(line)  # a step's line may quote a URL or a driver's message
        result.lines.append(line)
        echo(line)

    migrated = steps.check_migrations(settings)
    step(f"db upgrade: {len(migrated['applied'])} migration(s) applied")
    if demo is not None and source_is_empty(settings):
        from finrisk.demo import generate

        step(generate(settings, demo.customers, demo.days, demo.seed, end_date=run_date).line())
    ingested = steps.ingest(settings, run_date)
    step(f"ingest {run_date}: {ingested['total_rows']} rows into staging.*")
    validated = steps.validate(settings, run_date)
    step(
        f"validate {run_date}: {len(validated['failed_expectations'])} failed expectations, "
        f"{validated['quarantined_rows']} rows quarantined"
    )
    for model in _models_to_train(settings, train):
        trained = steps.train(
            settings.model_copy(update={"train": settings.train.model_copy(update={"policy": train})}), model, run_date
        )
        step(
            f"train {trained['registered_name']}: version {trained['version']}, holdout {trained['metric']} "
            f"{trained['value']:.3f} (baseline {trained['baseline']:.3f}), gate {trained['decision']}"
        )
    versions = steps.resolve_versions(settings)
    staged = steps.score_shard(settings, run_date, 0, 1, versions)
    step(staged["summary"])
    published = steps.publish(settings, run_date, versions)
    step(published["summary"])
    monitored = steps.monitor(settings, run_date)
    step(
        f"monitor {run_date}: drift {', '.join(monitored['drifted']) or 'none'} "
        f"(threshold PSI {monitored['psi_threshold']:.2f})"
    )
    with get_engine(settings).connect() as conn:
        bands = conn.execute(query("pipeline/band_shares"), {"score_date": run_date}).all()
    total = sum(b.customers for b in bands) or 1
    step(
        "bands: "
        + ", ".join(f"{b.risk_band} {100 * b.customers / total:.1f}% (mean PD {b.mean_pd:.3f})" for b in bands)
    )

    result.where.update(
        warehouse=describe(warehouse_url(settings)),
        scores="select * from risk.latest_risk_scores order by pd_12m desc limit 20",
        alerts=f"select * from risk.risk_alerts where score_date = '{run_date}'",
        data_docs=validated["data_docs"],
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
        return list(SPECS)
    return [m for m in SPECS if resolve_alias(settings, m, "champion") is None]
