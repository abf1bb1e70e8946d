"""The promotion gate: a new version is `challenger`; it becomes `champion` only if it earns it.

Checks, all from `settings.gate`:
- absolute floor: AUC >= min_auc (credit, fraud) or macro-F1 >= min_macro_f1 (news);
- calibration: expected calibration error <= max_calibration_error;
- champion: AUC not worse than the champion's AUC on the same holdout by more than auc_margin;
- baseline: AUC above the tabular baseline's on the same split (credit and fraud).

With no champion yet, the floor alone decides (someone must score tonight); the other failed
checks are still written out as warnings. `decide` is pure; `apply` sets aliases, tags and the
audit row.
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


def _fmt(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.4f}"


def decide(model: str, metrics: dict, baseline: dict | None, champion: dict | None, gate: GateSettings,
           must_beat_baseline: bool = True) -> GateDecision:
    """Compare a challenger's holdout metrics with the floors, the baseline and the champion."""
    auc = metrics.get("auc", float("nan"))
    failures: list[str] = []
    passes: list[str] = []

    def check(ok: bool, good: str, bad: str) -> bool:
        (passes if ok else failures).append(good if ok else bad)
        return ok

    if model == "news":
        f1 = metrics.get("macro_f1", float("nan"))
        floor_ok = check(f1 >= gate.min_macro_f1, f"macro-F1 {_fmt(f1)} >= floor {gate.min_macro_f1}",
                         f"macro-F1 {_fmt(f1)} below floor {gate.min_macro_f1}")
    else:
        floor_ok = check(auc >= gate.min_auc, f"AUC {_fmt(auc)} >= floor {gate.min_auc}",
                         f"AUC {_fmt(auc)} below floor {gate.min_auc}")
    ece = metrics.get("ece", float("nan"))
    check(ece <= gate.max_calibration_error, f"calibration error {_fmt(ece)} within {gate.max_calibration_error}",
          f"calibration error {_fmt(ece)} above {gate.max_calibration_error}")
    base_auc = (baseline or {}).get("auc", float("nan"))
    beats = bool(auc > base_auc) if not math.isnan(base_auc) else False
    if must_beat_baseline and gate.require_beats_baseline:
        check(beats, f"beats baseline AUC {_fmt(base_auc)}", f"does not beat baseline AUC {_fmt(base_auc)}")
    if champion is not None:
        champ_auc = champion.get("auc", float("nan"))
        check(auc >= champ_auc - gate.auc_margin,
              f"AUC {_fmt(auc)} vs champion {_fmt(champ_auc)} within margin {gate.auc_margin}",
              f"AUC {_fmt(auc)} worse than champion {_fmt(champ_auc)} by more than {gate.auc_margin}")
        passed = not failures
        reasons = failures or passes
    else:
        passed = floor_ok
        reasons = ["no champion yet"] + ([*passes[:1]] if floor_ok else [failures[0]])
        reasons += [f"warning: {f}" for f in failures if floor_ok or f != failures[0]]
    promote = passed and gate.auto_promote
    decision = "promoted" if promote else "challenger" if passed else "rejected"
    if passed and not gate.auto_promote:
        reasons.append("auto-promotion is off: a person decides")
    return GateDecision(passed=passed, promote=promote, decision=decision, reasons=reasons, beats_baseline=beats)


def apply(settings, spec, version: str, decision: GateDecision, previous: str | None) -> None:
    """Alias the version challenger (and champion if promoted) and tag it, audited before and after.

    MLflow and the warehouse are checked before anything moves: the audit row is written
    `pending` first and completed once MLflow shows the decision (see registry.promote).
    """
    from finrisk.registry.promote import recorded, settle_pending
    from finrisk.registry.tracking import client as mlflow_client

    client = mlflow_client(settings)
    name = spec.registered_name
    settle_pending(settings, client, name)
    # gate_decision goes last: a version tagged with it shows the whole decision
    tags = {"gate_passed": str(decision.passed).lower(), "gate_reasons": "; ".join(decision.reasons)[:4900],
            "beats_baseline": str(decision.beats_baseline).lower(), "gate_decision": decision.decision}
    with recorded(settings, client, name, version, previous, decision.decision, decision.reasons, actor="gate"):
        client.set_registered_model_alias(name, "challenger", version)
        for key, value in tags.items():
            client.set_model_version_tag(name, version, key, value)
        if decision.promote:
            client.set_registered_model_alias(name, "champion", version)
            client.delete_registered_model_alias(name, "challenger")
