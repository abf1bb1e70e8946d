"""The promotion gate: a new version is `challenger`; it becomes `champion` only if it earns it.

Checks, all from `settings.gate`, on the model's primary metric (the spec says which: AUC for
credit and fraud, macro-F1 for news):
- absolute floor: min_auc or min_macro_f1;
- calibration: expected calibration error <= max_calibration_error;
- champion: not worse than the champion on the same holdout by more than the primary metric's
  margin (auc_margin or macro_f1_margin);
- baseline: above the best baseline on the same split by more than baseline_margin (when
  the spec asks for it and require_beats_baseline is on).

With no champion yet, a version that clears the floor and beats the best baseline becomes
champion (someone must score tonight); one that clears the floor but does not beat the
baseline stays `challenger`, so nothing is published for that model until a person promotes
it or a better version arrives. Calibration is then a warning. `decide` is pure; `apply`
sets aliases, tags, the version's description (what the MLflow UI shows) and the audit row.

Fairness: `fairness_flags` are breaches (a protected group's adverse ratio and its bootstrap interval
outside the four-fifths band); with `refuse_on_fairness` they block, and `fairness_blocked` says the
fairness breach alone kept the version back (a person may override it with a reason).
Four-eyes: with `require_approval` a version that passes is `awaiting_approval` (challenger) until
someone other than its trainer runs `finrisk approve` (finrisk.registry.approval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from finrisk.config import GateSettings


@dataclass
class GateDecision:
    """The outcome: passed, whether champion moves, the audit decision word and the reasons."""

    passed: bool
    promote: bool
    decision: str
    reasons: list[str] = field(default_factory=list)
    beats_baseline: bool = False
    fairness_blocked: bool = False


def _fmt(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.4f}"


FLOORS = {"auc": "min_auc", "macro_f1": "min_macro_f1"}
MARGINS = {"auc": "auc_margin", "macro_f1": "macro_f1_margin"}
NAMES = {"auc": "AUC", "macro_f1": "macro-F1"}


def decide(
    metrics: dict,
    baseline: dict | None,
    champion: dict | None,
    gate: GateSettings,
    *,
    primary: str = "auc",
    must_beat_baseline: bool = True,
    baseline_name: str = "baseline",
    fairness_flags: list[str] | None = None,
    refuse_on_fairness: bool = False,
    fairness_notes: list[str] | None = None,
    require_approval: bool = False,
) -> GateDecision:
    """Compare a challenger's holdout metrics with the floor, the best baseline and the champion.

    `fairness_flags` are the protected groups outside the four-fifths band (finrisk.models.fairness);
    with `refuse_on_fairness` they block the version, else they are a warning among the reasons;
    `fairness_notes` are fairness warnings that never block."""
    value = metrics.get(primary, float("nan"))
    name = NAMES.get(primary, primary)
    failures: list[str] = []
    passes: list[str] = []

    def check(ok: bool, good: str, bad: str) -> bool:
        (passes if ok else failures).append(good if ok else bad)
        return ok

    floor = getattr(gate, FLOORS.get(primary, "min_auc"))
    floor_ok = check(
        value >= floor, f"{name} {_fmt(value)} >= floor {floor}", f"{name} {_fmt(value)} below floor {floor}"
    )
    ece = metrics.get("ece", float("nan"))
    check(
        ece <= gate.max_calibration_error,
        f"calibration error {_fmt(ece)} within {gate.max_calibration_error}",
        f"calibration error {_fmt(ece)} above {gate.max_calibration_error}",
    )
    base = (baseline or {}).get(primary, float("nan"))
    margin = gate.baseline_margin
    beats = bool(value > base + margin) if not math.isnan(base) else False
    required = must_beat_baseline and gate.require_beats_baseline
    beat_reason = (
        f"beats best baseline ({baseline_name}) {name} {_fmt(base)}" + (f" by more than {margin}" if margin else ""),
        f"does not beat best baseline ({baseline_name}) {name} {_fmt(base)}"
        + (f" by more than {margin}" if margin else ""),
    )
    if required:
        check(beats, *beat_reason)
    fairness_note = (
        (
            f"fairness: {len(fairness_flags)} protected group(s) outside the four-fifths band: "
            + "; ".join(fairness_flags)
        )
        if fairness_flags
        else ""
    )
    if fairness_note and refuse_on_fairness:
        failures.append(fairness_note)
    if champion is not None:
        champ = champion.get(primary, float("nan"))
        margin_vs_champion = getattr(gate, MARGINS.get(primary, "auc_margin"))
        check(
            value >= champ - margin_vs_champion,
            f"{name} {_fmt(value)} vs champion {_fmt(champ)} within margin {margin_vs_champion}",
            f"{name} {_fmt(value)} worse than champion {_fmt(champ)} by more than {margin_vs_champion}",
        )
        passed = not failures
        reasons = failures or passes
        decision_if_failed = "rejected"
        fairness_blocked = bool(fairness_note and refuse_on_fairness and failures == [fairness_note])
    else:
        # The truth with no champion: the floor and the baseline decide; calibration is a warning.
        blocking = [f for f in failures if f.startswith((name + " ", "does not beat", "fairness:"))]
        passed = floor_ok and not blocking
        reasons = ["no champion yet"] + (blocking or passes[:1])
        reasons += [f"warning: {f}" for f in failures if f not in blocking]
        decision_if_failed = "rejected" if not floor_ok else "challenger"
        fairness_blocked = bool(fairness_note and refuse_on_fairness and floor_ok and blocking == [fairness_note])
    if fairness_note and not refuse_on_fairness:
        reasons.append(f"warning: {fairness_note}")
    reasons += [f"warning: fairness: {note}" for note in fairness_notes or []]
    if fairness_blocked:
        reasons.append("blocked by the fairness breach alone: a person may override it with a recorded reason")
    awaits = passed and gate.auto_promote and require_approval
    promote = passed and gate.auto_promote and not require_approval
    decision = (
        "promoted" if promote else "awaiting_approval" if awaits else "challenger" if passed else decision_if_failed
    )
    if awaits:
        reasons.append("passed the gate: awaits approval by someone other than its trainer (finrisk approve)")
    elif passed and not gate.auto_promote:
        reasons.append("auto-promotion is off: a person decides")
    elif decision == "challenger" and champion is None:
        reasons.append("kept as challenger: nothing is published for this model until a person promotes it")
    return GateDecision(
        passed=passed,
        promote=promote,
        decision=decision,
        reasons=reasons,
        beats_baseline=beats,
        fairness_blocked=fairness_blocked,
    )


def description(decision: GateDecision) -> str:
    """The version's description in the MLflow UI: the verdict, then each reason on its own line."""
    head = f"Gate: {decision.decision} (passed: {str(decision.passed).lower()})"
    return "\n".join([head, *(f"- {r}" for r in decision.reasons)])[:4900]


def apply(settings, spec, version: str, decision: GateDecision, previous: str | None) -> None:
    """Alias the version challenger (and champion if promoted) and tag it, audited before and after.

    MLflow and the warehouse are checked before anything moves: the audit row is written
    `pending` first and completed once MLflow shows the decision (see registry.promote).
    """
    from finrisk.registry.promote import current_user, recorded, settle_pending
    from finrisk.registry.tracking import client as mlflow_client

    client = mlflow_client(settings)
    name = spec.registered_name
    settle_pending(settings, client, name)
    # gate_decision goes last: a version tagged with it shows the whole decision
    tags = {
        "gate_passed": str(decision.passed).lower(),
        "gate_reasons": "; ".join(decision.reasons)[:4900],
        "beats_baseline": str(decision.beats_baseline).lower(),
        "gate_fairness_blocked": str(decision.fairness_blocked).lower(),
        "gate_decision": decision.decision,
    }
    details = {"gate_verdict": decision.decision, "trained_by": current_user(settings)}
    with recorded(
        settings, client, name, version, previous, decision.decision, decision.reasons, actor="gate", details=details
    ):
        client.set_registered_model_alias(name, "challenger", version)
        client.update_model_version(name, version, description=description(decision))
        for key, value in tags.items():
            client.set_model_version_tag(name, version, key, value)
        if decision.promote:
            client.set_registered_model_alias(name, "champion", version)
            client.delete_registered_model_alias(name, "challenger")
