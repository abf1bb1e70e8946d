"""`train_model`: read → split by time → fine-tune → evaluate → baseline → log → register → gate.

One readable flow for all three models; what differs lives in the model's spec.
"""

from __future__ import annotations

import json
import logging
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.features.serialize import to_text
from finrisk.models import baseline as tabular
from finrisk.models.args import TrainArgs
from finrisk.models.backbone import load_backbone
from finrisk.models.calibrate import Platt, bake_platt, fit_platt
from finrisk.models.evaluate import calibration_table, decile_table, evaluate, group_table, top_decile_cutoff
from finrisk.models.loop import fit, pick_device, predict_proba
from finrisk.models.plots import write_plots
from finrisk.models.reference import build_reference
from finrisk.models.report import write_report
from finrisk.models.specs import get_spec
from finrisk.models.split import split_by_time
from finrisk.registry import gate as gating
from finrisk.registry.tracking import connect

log = logging.getLogger(__name__)
REFERENCE_SAMPLE = 2000


@dataclass
class TrainResult:
    """What one training run produced and decided."""

    model: str
    registered_name: str
    version: str
    run_id: str
    metrics: dict
    baseline_metrics: dict
    champion_metrics: dict | None
    champion_version: str | None
    decision: gating.GateDecision
    fingerprint: dict
    fit: dict = field(default_factory=dict)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _class_weights(labels: list[int], k: int) -> list[float]:
    counts = np.bincount(labels, minlength=k).astype(float)
    return list(len(labels) / (k * np.maximum(counts, 1)))


def undo_class_weights(model, weights: list[float]) -> None:
    """Shift the output bias by -log(weight) per class, so the probabilities are calibrated again.

    A loss weighted by w_c trains logits towards log p(c|x) + log w_c (the prior is reweighted);
    subtracting log w_c restores p(c|x) for the holdout, the gate's calibration check and
    scoring, while keeping what the weighting bought: a model that does not collapse to the
    majority class during a short fine-tune.
    """
    import torch

    head = getattr(model, "classifier", None)
    linears = [m for m in head.modules() if isinstance(m, torch.nn.Linear)] if head is not None else []
    if not linears or linears[-1].bias is None:
        log.warning("no classifier bias found: class-weighted probabilities are left uncorrected")
        return
    with torch.no_grad():
        bias = linears[-1].bias
        bias -= torch.log(torch.tensor(weights, dtype=bias.dtype, device=bias.device))


def _champion_metrics(settings: Settings, spec, texts: list[str], labels: list[int]):
    """The current champion scored on this run's holdout, or (None, None)."""
    from finrisk.registry.client import load_scorer, resolve_alias

    ref = resolve_alias(settings, spec.name, "champion")
    if ref is None:
        return None, None
    probs = load_scorer(settings, ref).predict_proba(texts)
    return evaluate(labels, probs, spec.positive_index), ref.version


def train_model(settings: Settings, model: str, args: TrainArgs | None = None) -> TrainResult:
    """Train, evaluate against the baseline and the champion, register a new version and gate it."""
    spec = get_spec(model)
    args = args or TrainArgs.from_settings(settings)
    connect(settings)  # fail fast: an unreachable tracking server must not cost a training run
    seed_everything(args.seed)

    with get_engine(settings).connect() as conn:
        records = spec.training_records(conn)
    split = split_by_time(records, args.validation_share, args.holdout_share)
    fingerprint = {"model": spec.registered_name, "unit": spec.unit, "rows": len(records), **split.fingerprint(spec.positive_index)}
    texts = {name: [to_text(r.fields) for r in getattr(split, name)] for name in ("train", "validation", "holdout")}
    labels = {name: [r.meta["label"] for r in getattr(split, name)] for name in ("train", "validation", "holdout")}

    backbone = load_backbone(args.base_model, spec.num_labels, args.seed)
    device = pick_device()
    primary = "macro_f1" if not spec.is_binary else "auc"

    def validate() -> float:
        probs = predict_proba(backbone.model, backbone.tokenizer, texts["validation"], args.max_length,
                              args.eval_batch_size, device)
        return float(np.nan_to_num(evaluate(labels["validation"], probs, spec.positive_index)[primary], nan=0.0))

    weights = _class_weights(labels["train"], spec.num_labels) if spec.class_weighted else None
    fitted = fit(backbone.model, backbone.tokenizer, texts["train"], labels["train"], args, device, validate, weights)
    if weights:
        undo_class_weights(backbone.model, weights)
    log.info("%s: %d steps, best validation %s %.4f", spec.registered_name, fitted.steps, primary, fitted.best_score)
    platt = Platt(1.0, 0.0)
    if spec.is_binary:
        validation_probs = predict_proba(backbone.model, backbone.tokenizer, texts["validation"], args.max_length,
                                         args.eval_batch_size, device)
        platt = fit_platt(validation_probs, labels["validation"], spec.positive_index)
        if not bake_platt(backbone.model, platt, spec.positive_index):
            platt = Platt(1.0, 0.0)
        log.info("%s: Platt calibration on validation, slope %.3f intercept %.3f",
                 spec.registered_name, platt.slope, platt.intercept)

    holdout_probs = predict_proba(backbone.model, backbone.tokenizer, texts["holdout"], args.max_length,
                                  args.eval_batch_size, device)
    metrics = evaluate(labels["holdout"], holdout_probs, spec.positive_index)
    base_probs = tabular.fit_predict(split.train, split.holdout, spec.num_labels, is_text=spec.name == "news",
                                     class_weighted=spec.baseline_balanced, seed=args.seed)
    baseline_metrics = evaluate(labels["holdout"], base_probs, spec.positive_index)
    champion_metrics, champion_version = _champion_metrics(settings, spec, texts["holdout"], labels["holdout"])
    decision = gating.decide(spec.name, metrics, baseline_metrics, champion_metrics, settings.gate,
                             must_beat_baseline=spec.must_beat_baseline)

    # The adverse class one-vs-rest drives tables, plots and the PSI reference.
    y_adverse = (np.asarray(labels["holdout"]) == spec.positive_index).astype(int)
    score = holdout_probs[:, spec.positive_index]
    attributes = ["segment", *settings.protected_attributes] if spec.name != "news" else ["source"]
    groups = group_table([r.meta.get("groups", {}) for r in split.holdout], y_adverse, score, attributes,
                         cutoff=top_decile_cutoff(score))
    sample = split.train[-REFERENCE_SAMPLE:]
    sample_scores = predict_proba(backbone.model, backbone.tokenizer, [to_text(r.fields) for r in sample],
                                  args.max_length, args.eval_batch_size, device)[:, spec.positive_index]
    reference = build_reference(sample_scores, [r.meta.get("numeric", {}) for r in sample])

    config = {"args": args.to_params(), "base_model": backbone.name, "base_model_hash": backbone.weights_hash,
              "device": str(device), "gate": settings.gate.model_dump(),
              "protected_attributes": settings.protected_attributes}
    from finrisk.registry.runs import library_versions, log_run, register_version

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        plots = write_plots(y_adverse, score, base_probs[:, spec.positive_index], out / "plots",
                            spec.classes[spec.positive_index])
        tables = {"calibration": calibration_table(y_adverse, score), "deciles": decile_table(y_adverse, score),
                  "segments": groups, "fit_history": fitted.history}
        for name, rows in tables.items():
            (out / f"{name}.json").write_text(json.dumps(rows, indent=1))
        (out / "data_fingerprint.json").write_text(json.dumps(fingerprint, indent=1, default=str))
        (out / "reference.json").write_text(json.dumps(reference))
        (out / "train_config.json").write_text(json.dumps({**config, "libraries": library_versions()}, indent=1))
        write_report(out / "validation_report.html", title=spec.registered_name, version=None, fingerprint=fingerprint,
                     config=config, metrics=metrics, baseline=baseline_metrics, champion=champion_metrics,
                     champion_version=champion_version, calibration=tables["calibration"], deciles=tables["deciles"],
                     groups=groups, plots=plots, decision=decision)
        params = {**args.to_params(), "base_model": backbone.name, "base_model_hash": backbone.weights_hash[:250],
                  "device": str(device), "num_labels": spec.num_labels,
                  **{f"data_{k}": v for k, v in _flat_fingerprint(fingerprint).items()},
                  **{f"lib_{k}": v for k, v in library_versions().items()}}
        extra = {"calibration_slope": platt.slope, "calibration_intercept": platt.intercept,
                 "train_steps": fitted.steps, "best_validation": fitted.best_score, "best_step": fitted.best_step,
                 "train_seconds": fitted.seconds, "train_samples_per_second": fitted.samples_per_second,
                 "stopped_early": float(fitted.stopped_early)}
        run_tags = {"model": spec.name, "beats_baseline": str(decision.beats_baseline).lower(),
                    "gate_decision": decision.decision, "champion_compared": champion_version or "none"}
        logged = log_run(settings, spec, backbone=backbone, args=args, params=params, metrics=metrics,
                         baseline=baseline_metrics, champion=champion_metrics, extra_metrics=extra,
                         artifacts_dir=out, tags=run_tags)

    version_tags = {"holdout_auc": f"{metrics.get('auc', float('nan')):.4f}",
                    "baseline_auc": f"{baseline_metrics.get('auc', float('nan')):.4f}",
                    "beats_baseline": str(decision.beats_baseline).lower()}
    if "macro_f1" in metrics:
        version_tags["holdout_macro_f1"] = f"{metrics['macro_f1']:.4f}"
    version = register_version(settings, spec, logged, version_tags)
    gating.apply(settings, spec, version, decision, previous=champion_version)
    return TrainResult(model=spec.name, registered_name=spec.registered_name, version=version, run_id=logged.run_id,
                       metrics=metrics, baseline_metrics=baseline_metrics, champion_metrics=champion_metrics,
                       champion_version=champion_version, decision=decision, fingerprint=fingerprint,
                       fit={"steps": fitted.steps, "best_validation": fitted.best_score,
                            "samples_per_second": fitted.samples_per_second, "seconds": fitted.seconds})


def _flat_fingerprint(fingerprint: dict) -> dict[str, str]:
    """Row counts, date ranges and label counts as short param values."""
    out = {"rows": str(fingerprint["rows"])}
    for name in ("train", "validation", "holdout"):
        part = fingerprint[name]
        out[f"{name}_rows"] = str(part["rows"])
        out[f"{name}_range"] = f"{part['from']}..{part['to']}"
        out[f"{name}_labels"] = json.dumps(part["label_counts"])
        out[f"{name}_label_rate"] = f"{part['label_rate']:.4f}"
    return out

