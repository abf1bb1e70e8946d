"""Manual promotion (`finrisk promote`) and the `ops.model_promotions` audit both paths write.

A promotion never leaves the registry and the audit disagreeing in silence. What can fail
is checked first: MLflow answers, then the audit row is written `pending` (so the warehouse
is reachable and the table writable) before any alias moves. While the aliases move the
row is locked; it becomes `done` when they have moved. If MLflow fails half-way the row
becomes `done` or `failed` according to what MLflow then shows; if the warehouse fails
after the aliases moved, the row stays `pending` and the next promotion of that model
(`finrisk promote`, `finrisk promote MODEL --reconcile`, or the gate after training)
completes it from what MLflow shows.
"""

from __future__ import annotations

import getpass
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.db.sql import query
from finrisk.errors import FinriskError, redact

log = logging.getLogger(__name__)

# decisions that move `champion`; the others only tag the version (and alias it challenger)
MOVES_CHAMPION = ("promoted", "manual", "approved")


def _warehouse_error(exc: BaseException) -> str:
    if isinstance(exc, FinriskError):
        return str(exc)
    from finrisk.db.errors import explain

    explained = explain(exc) if isinstance(exc, sa.exc.DBAPIError) else None
    return (
        str(explained) if explained else redact(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    )


def begin_promotion(
    settings: Settings,
    model: str,
    version: str,
    previous: str | None,
    decision: str,
    reasons: list[str],
    actor: str,
    details: dict | None = None,
) -> int:
    """Write the audit row `pending`, before anything moves in MLflow; returns its promotion_id. `details`:
    the person's reason, the gate's verdict, the trainer, a fairness override (migration 140)."""
    try:
        with get_engine(settings).begin() as conn:
            promotion_id = conn.execute(
                query("registry/insert_promotion"),
                {
                    "model": model,
                    "version": str(version),
                    "previous_version": previous,
                    "decision": decision,
                    "reasons": json.dumps(reasons),
                    "actor": actor,
                },
            ).scalar_one()
            if details:
                conn.execute(
                    query("registry/record_approval"),
                    {
                        "promotion_id": promotion_id,
                        "reason": details.get("reason"),
                        "gate_verdict": details.get("gate_verdict"),
                        "trained_by": details.get("trained_by"),
                        "is_fairness_override": bool(details.get("is_fairness_override")),
                    },
                )
            return promotion_id
    except (FinriskError, sa.exc.SQLAlchemyError) as exc:
        raise FinriskError(
            f"{model} version {version}: nothing changed in MLflow, because the promotion audit "
            f"could not be written: {_warehouse_error(exc)}"
        ) from None


def shows_decision(client, model: str, version: str, decision: str) -> bool:
    """Whether MLflow now shows an audited decision: champion moved, or the version tagged with it."""
    from mlflow.exceptions import MlflowException

    try:
        if decision in MOVES_CHAMPION:
            return str(client.get_model_version_by_alias(model, "champion").version) == str(version)
        return (client.get_model_version(model, str(version)).tags or {}).get("gate_decision") == decision
    except MlflowException:
        return False


def _complete(conn, promotion_id: int, status: str) -> None:
    conn.execute(query("registry/complete_promotion"), {"promotion_id": promotion_id, "status": status})


@contextmanager
def recorded(
    settings: Settings,
    client,
    model: str,
    version: str,
    previous: str | None,
    decision: str,
    reasons: list[str],
    actor: str,
    details: dict | None = None,
) -> Iterator[int]:
    """Audit around the MLflow changes made in the `with` body: pending first, done or failed after."""
    promotion_id = begin_promotion(settings, model, version, previous, decision, reasons, actor, details)
    engine = get_engine(settings)
    conn = engine.connect()
    try:
        tx = conn.begin()
        conn.execute(query("registry/lock_promotion"), {"promotion_id": promotion_id})
        try:
            yield promotion_id
        except BaseException:
            tx.rollback()
            _settle_after_failure(settings, client, promotion_id, model, version, decision)
            raise
        try:
            _complete(conn, promotion_id, "done")
            tx.commit()
        except sa.exc.SQLAlchemyError as exc:
            raise FinriskError(
                f"{model} version {version}: MLflow shows the {decision} decision, but audit row {promotion_id} is "
                f"still pending ({_warehouse_error(exc)}); `finrisk promote {model.removeprefix('finrisk-')} "
                "--reconcile` completes it"
            ) from None
    finally:
        conn.close()


def _settle_after_failure(settings, client, promotion_id: int, model: str, version: str, decision: str) -> None:
    """After a failed MLflow change: mark the row by what MLflow shows; leave it pending if that is unknown."""
    try:
        status = "done" if shows_decision(client, model, version, decision) else "failed"
        with get_engine(settings).begin() as conn:
            _complete(conn, promotion_id, status)
        log.warning(
            "promotion %s of %s version %s interrupted: audit row marked %s", promotion_id, model, version, status
        )
    except Exception:  # the next reconcile settles it
        log.warning("promotion %s of %s version %s interrupted: audit row left pending", promotion_id, model, version)


def reconcile(settings: Settings, client, model: str) -> list[dict]:
    """Settle the pending audit rows of `model` (not in flight) from what MLflow shows; returns them."""
    settled = []
    with get_engine(settings).begin() as conn:
        for row in conn.execute(query("registry/pending_promotions"), {"model": model}).mappings().all():
            status = "done" if shows_decision(client, model, row["version"], row["decision"]) else "failed"
            _complete(conn, row["promotion_id"], status)
            settled.append({**row, "status": status})
            log.info("reconciled promotion %s of %s version %s: %s", row["promotion_id"], model, row["version"], status)
    return settled


def settle_pending(settings: Settings, client, model: str) -> list[dict]:
    """`reconcile` before a promotion: a warehouse failure here is one line saying nothing changed."""
    try:
        return reconcile(settings, client, model)
    except (FinriskError, sa.exc.SQLAlchemyError) as exc:
        raise FinriskError(
            f"{model}: nothing changed in MLflow, because the promotion audit "
            f"could not be read: {_warehouse_error(exc)}"
        ) from None


def promotions(settings: Settings, model: str) -> list[dict]:
    """The audit rows of one registered model, newest first."""
    with get_engine(settings).connect() as conn:
        return [dict(r) for r in conn.execute(query("registry/promotions"), {"model": model}).mappings()]


def current_user(settings: Settings | None = None) -> str:
    """Who finrisk records as acting (trainer, approver, promoter): `approval.user`
    (FINRISK_APPROVAL__USER) when set, else the OS user."""
    from finrisk.config import get_settings

    configured = (settings or get_settings()).approval.user
    if configured:
        return configured
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def promote(
    settings: Settings,
    model: str,
    version: str | int | None = None,
    actor: str | None = None,
    reason: str | None = None,
) -> dict:
    """Move `champion` to `version` (default: the current challenger), audited before and after. With
    `approval.required` the person promoting may not be the version's trainer (four-eyes)."""
    from finrisk.models.specs import get_spec
    from finrisk.registry.approval import refuse_own_version
    from finrisk.registry.client import get_version, resolve_alias
    from finrisk.registry.tracking import client as mlflow_client

    spec = get_spec(model)
    client = mlflow_client(settings)  # MLflow answers, or nothing is tried
    settle_pending(settings, client, spec.registered_name)  # the warehouse answers too
    if version is None:
        target = resolve_alias(settings, spec.name, "challenger")
        if target is None:
            raise FinriskError(f"{spec.registered_name} has no challenger to promote; name a --version")
    else:
        target = get_version(settings, spec.name, version)
    champion = resolve_alias(settings, spec.name, "champion")
    previous = champion.version if champion else None
    if previous == target.version:
        raise FinriskError(f"{spec.registered_name} version {target.version} is already champion")
    challenger = resolve_alias(settings, spec.name, "challenger")
    actor = actor or current_user(settings)
    tags = client.get_model_version(spec.registered_name, target.version).tags or {}
    if settings.approval.required:
        refuse_own_version(spec.registered_name, target.version, tags.get("trained_by"), actor)
    line = f"manual promotion by {actor} from version {previous or 'none'}" + (f": {reason}" if reason else "")
    details = {"reason": reason, "gate_verdict": tags.get("gate_decision"), "trained_by": tags.get("trained_by")}
    with recorded(settings, client, spec.registered_name, target.version, previous, "manual", [line], actor, details):
        client.set_registered_model_alias(spec.registered_name, "champion", target.version)
        if challenger and challenger.version == target.version:
            client.delete_registered_model_alias(spec.registered_name, "challenger")
        client.set_model_version_tag(spec.registered_name, target.version, "promoted_by", actor)
    return {"model": spec.registered_name, "version": target.version, "previous_version": previous, "actor": actor}


def record_promotion(
    settings: Settings,
    model: str,
    version: str,
    previous: str | None,
    decision: str,
    reasons: list[str],
    actor: str,
    details: dict | None = None,
) -> int:
    """Write one finished audit row (no MLflow change goes with it); returns its promotion_id."""
    promotion_id = begin_promotion(settings, model, version, previous, decision, reasons, actor, details)
    with get_engine(settings).begin() as conn:
        _complete(conn, promotion_id, "done")
    return promotion_id
