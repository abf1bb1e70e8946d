"""Manual promotion (`finrisk promote`) and the `ops.model_promotions` audit both paths write."""

from __future__ import annotations

import getpass
import json

from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.db.sql import query
from finrisk.errors import FinriskError


def record_promotion(settings: Settings, model: str, version: str, previous: str | None, decision: str,
                     reasons: list[str], actor: str) -> int:
    """Write one audit row; returns its promotion_id."""
    with get_engine(settings).begin() as conn:
        return conn.execute(query("registry/insert_promotion"), {
            "model": model, "version": str(version), "previous_version": previous, "decision": decision,
            "reasons": json.dumps(reasons), "actor": actor,
        }).scalar_one()


def promotions(settings: Settings, model: str) -> list[dict]:
    """The audit rows of one registered model, newest first."""
    with get_engine(settings).connect() as conn:
        return [dict(r) for r in conn.execute(query("registry/promotions"), {"model": model}).mappings()]


def current_user() -> str:
    """The OS user, for the audit row of a manual promotion."""
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def promote(settings: Settings, model: str, version: str | int | None = None, actor: str | None = None) -> dict:
    """Move `champion` to `version` (default: the current challenger) and audit it."""
    from finrisk.models.specs import get_spec
    from finrisk.registry.client import get_version, resolve_alias
    from finrisk.registry.tracking import client as mlflow_client

    spec = get_spec(model)
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
    client = mlflow_client(settings)
    client.set_registered_model_alias(spec.registered_name, "champion", target.version)
    challenger = resolve_alias(settings, spec.name, "challenger")
    if challenger and challenger.version == target.version:
        client.delete_registered_model_alias(spec.registered_name, "challenger")
    actor = actor or current_user()
    reason = f"manual promotion by {actor} from version {previous or 'none'}"
    client.set_model_version_tag(spec.registered_name, target.version, "promoted_by", actor)
    record_promotion(settings, spec.registered_name, target.version, previous, "manual", [reason], actor)
    return {"model": spec.registered_name, "version": target.version, "previous_version": previous, "actor": actor}
