"""Four-eyes promotion: a version that passed the gate becomes champion when someone other than its trainer
approves it, and a champion that no audited decision put there is caught by the night.

- `approve` (`finrisk approve MODEL VERSION --reason ...`, the Airflow approval task) checks the approver
  is not the trainer (the version's `trained_by` tag), that the gate passed it or that the fairness breach
  alone held it back and the person overrides that (`override_fairness`), then moves @champion audited as
  `approved` in ops.model_promotions (who, when, reason, gate verdict, trainer) and tags the version
  (approved_by, approved_at, approval_reason) and appends the approval to its description.
- `check_champions` runs when the night resolves its versions: a @champion whose version is not the one the
  latest audited move put there was moved outside finrisk (the MLflow UI or REST API); the night writes an
  `alias_moved` row (once) and, with `approval.refuse_unapproved_champion` (default), refuses to score,
  in one line naming the model, the version and the command that approves it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.db.sql import query
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)

OUTSIDE = "outside finrisk (MLflow UI or REST API)"


def refuse_own_version(name: str, version: str, trainer: str | None, actor: str) -> None:
    """One-line error when the person acting trained the version themselves."""
    if trainer and trainer == actor:
        raise FinriskError(f"{name} version {version} was trained by {actor}: someone else must approve it (four-eyes)")


def approve(
    settings: Settings,
    model: str,
    version: str | int,
    reason: str,
    *,
    approver: str | None = None,
    override_fairness: bool = False,
) -> dict:
    """Make `version` champion on a second person's approval, audited (pending, then done) and tagged."""
    from mlflow.exceptions import MlflowException

    from finrisk.models.specs import get_spec
    from finrisk.registry.promote import current_user, recorded, settle_pending
    from finrisk.registry.tracking import client as mlflow_client

    spec = get_spec(model)
    name, version = spec.registered_name, str(version)
    if not (reason or "").strip():
        raise FinriskError(f"{name} version {version}: an approval needs a reason (--reason)")
    client = mlflow_client(settings)
    settle_pending(settings, client, name)
    try:
        mv = client.get_model_version(name, version)
    except MlflowException:
        raise FinriskError(f"{name} has no version {version}") from None
    tags = mv.tags or {}
    approver = approver or current_user(settings)
    trainer = tags.get("trained_by")
    refuse_own_version(name, version, trainer, approver)
    verdict = tags.get("gate_decision", "unknown")
    blocked_by_fairness = tags.get("gate_fairness_blocked") == "true"
    if tags.get("gate_passed") != "true":
        if blocked_by_fairness and not override_fairness:
            raise FinriskError(
                f"{name} version {version} is held back by a fairness breach ({tags.get('fairness_breaches', '?')}): "
                "approve it with --override-fairness and a --reason to promote it anyway"
            )
        if not blocked_by_fairness:
            raise FinriskError(
                f"{name} version {version} did not pass the gate ({verdict}): only a version that passed "
                f"can be approved; `finrisk promote {spec.name} --version {version}` overrides the gate"
            )
    try:
        champion = client.get_model_version_by_alias(name, "champion")
        previous = str(champion.version)
    except MlflowException:
        previous = None
    override = override_fairness and blocked_by_fairness
    when = datetime.now(UTC).replace(microsecond=0).isoformat()
    lines = [f"approved by {approver} at {when}: {reason}", f"gate: {verdict}"]
    if override:
        lines.append(f"fairness breach overridden: {tags.get('fairness_breaches', '?')}")
    details = {"reason": reason, "gate_verdict": verdict, "trained_by": trainer, "is_fairness_override": override}
    new_tags = {"approved_by": approver, "approved_at": when, "approval_reason": reason[:4900]}
    if override:
        new_tags["fairness_override"] = f"by {approver}: {reason}"[:4900]
    with recorded(settings, client, name, version, previous, "approved", lines, approver, details):
        for key, value in new_tags.items():
            client.set_model_version_tag(name, version, key, value)
        text = mv.description or description_from_tags(tags)
        client.update_model_version(name, version, description=(text + "\n" + "\n".join(lines))[:4900])
        client.set_registered_model_alias(name, "champion", version)
        try:
            if str(client.get_model_version_by_alias(name, "challenger").version) == version:
                client.delete_registered_model_alias(name, "challenger")
        except MlflowException:
            pass
    return {
        "model": name,
        "version": version,
        "previous_version": previous,
        "approver": approver,
        "trained_by": trainer,
        "gate_verdict": verdict,
        "fairness_override": override,
    }


def description_from_tags(tags: dict) -> str:
    """A description for a version registered before descriptions carried the gate's verdict."""
    from finrisk.registry.gate import GateDecision, description

    reasons = [r for r in (tags.get("gate_reasons") or "").split("; ") if r]
    return description(
        GateDecision(
            passed=tags.get("gate_passed") == "true",
            promote=False,
            decision=tags.get("gate_decision", "?"),
            reasons=reasons,
        )
    )


def _last_move(settings: Settings, name: str) -> dict | None:
    with get_engine(settings).connect() as conn:
        row = conn.execute(query("registry/last_champion_move"), {"model": name}).mappings().first()
    return dict(row) if row else None


def check_champions(settings: Settings, versions: dict) -> list[dict]:
    """Compare each resolved @champion with the audit: record a move made outside finrisk (once) and refuse
    an unapproved champion (one line) unless `approval.refuse_unapproved_champion` is off. Returns the
    unapproved champions."""
    from finrisk.models.specs import get_spec
    from finrisk.registry.promote import record_promotion
    from finrisk.registry.tracking import client as mlflow_client

    unapproved = []
    for model, version in sorted((versions.get("champion") or {}).items()):
        spec = get_spec(model)
        name, version = spec.registered_name, str(version)
        last = _last_move(settings, name)
        if last and str(last["version"]) == version and last["decision"] != "alias_moved":
            continue
        if not (last and str(last["version"]) == version):
            tags = mlflow_client(settings).get_model_version(name, version).tags or {}
            previous = str(last["version"]) if last else None
            record_promotion(
                settings,
                name,
                version,
                previous,
                "alias_moved",
                [f"@champion moved to version {version} outside finrisk; the audit last put version {previous} there"],
                OUTSIDE,
                {"gate_verdict": tags.get("gate_decision"), "trained_by": tags.get("trained_by")},
            )
            log.warning("%s@champion moved to version %s outside finrisk: recorded", name, version)
        unapproved.append({"model": model, "name": name, "version": version})
    if unapproved and settings.approval.refuse_unapproved_champion:
        first = unapproved[0]
        raise FinriskError(
            f"{first['name']} version {first['version']} is @champion but was never approved (the alias was moved "
            f"outside finrisk): not scored; approve it with `finrisk approve {first['model']} {first['version']} "
            "--reason ...` or move @champion back"
            + (f" ({len(unapproved) - 1} more model(s) likewise)" if len(unapproved) > 1 else "")
        )
    for ref in unapproved:
        log.warning(
            "%s version %s is an unapproved @champion, scored because the setting allows it",
            ref["name"],
            ref["version"],
        )
    return unapproved


def approve_waiting(settings: Settings, approver: str, reason: str) -> list[str]:
    """Approve, as `approver`, every challenger that passed the gate or that a fairness breach alone held back
    (overridden, with `reason`): the quick start's named demo approver. Returns one line per approval."""
    from finrisk.models.specs import SPECS
    from finrisk.registry.client import resolve_alias
    from finrisk.registry.tracking import client as mlflow_client

    lines = []
    for model in SPECS:
        ref = resolve_alias(settings, model, "challenger")
        if ref is None:
            continue
        tags = mlflow_client(settings).get_model_version(ref.name, ref.version).tags or {}
        blocked = tags.get("gate_fairness_blocked") == "true"
        if tags.get("gate_decision") != "awaiting_approval" and not blocked:
            continue
        done = approve(settings, model, ref.version, reason, approver=approver, override_fairness=blocked)
        lines.append(
            f"  approved {ref.name} v{ref.version} as {approver} (trained by {done['trained_by'] or 'unknown'})"
            + (": fairness breach overridden for the demo" if done["fairness_override"] else "")
        )
    return lines


def record_airflow_approval(settings: Settings, model: str, version: str | int, response: dict) -> dict:
    """Record an Approve given in the Airflow UI (ApprovalOperator's result: chosen_options, params_input with
    the reason, responded_by_user) through `approve`, the same checks and audit as the CLI."""
    chosen = list(response.get("chosen_options") or [])
    if chosen != ["Approve"]:
        raise FinriskError(f"{model} version {version}: the Airflow approval answered {chosen}, not Approve")
    user = response.get("responded_by_user") or {}
    approver = user.get("name") or user.get("id")
    if not approver:
        raise FinriskError(f"{model} version {version}: the Airflow approval names no user")
    reason = str((response.get("params_input") or {}).get("reason") or "").strip()
    return approve(settings, model, version, f"{reason} (Airflow approval task)" if reason else "", approver=approver)
