"""`train_model` in its phases: read (as of a date) and split by time → fit the baselines and the recipe →
evaluate against the baselines, the champion and the fairness band → log, register and gate.

One flow for every model; what differs lives in the model's spec (`finrisk.models.specs`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.errors import FinriskError
from finrisk.features.serialize import to_text
from finrisk.models import fairness, population
from finrisk.models.args import TrainArgs
from finrisk.models.backbone import load_backbone
from finrisk.models.baseline import fit_baselines
from finrisk.models.evaluate import evaluate, group_table, top_decile_cutoff
from finrisk.models.fusion_train import fuse
from finrisk.models.recipes import Trained, finetune, seed_everything
from finrisk.models.reference import build_reference
from finrisk.models.runtime import pick_device
from finrisk.models.specs import ModelSpec, get_spec
from finrisk.models.split import Split, split_by_time
from finrisk.models.tabular import TabularEncoder, raw_row
from finrisk.models.truncation import truncation_report
from finrisk.registry import gate as gating
from finrisk.registry.client import load_scorer, resolve_alias
from finrisk.registry.tracking import connect
from finrisk.training.reference import reference_date, scored_reference
from finrisk.training.register import log_register_and_gate

log = logging.getLogger(__name__)
REFERENCE_SAMPLE = 2000
PARTS = ("train", "validation", "holdout")


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
    baselines: dict = field(default_factory=dict)  # name -> holdout metrics of every baseline
    best_baseline: str = ""
    holdout_probs: object = None  # (n, k) holdout probabilities, for round-trip checks
    holdout_keys: list = field(default_factory=list)
    population: dict = field(default_factory=dict)  # fraud: alert precision/recall/volume, population vs predicted rate


@dataclass
class Data:
    """Phase 1: the records known as of the date, split by time, with their texts, labels and weights."""

    records: list
    split: Split
    fingerprint: dict
    texts: dict[str, list[str]]
    labels: dict[str, list[int]]
    weights: dict[str, np.ndarray] | None = None  # population weights per part (fraud), None: every row weighs 1
    shift: float = 0.0  # the prior correction of a sampled training set
    fallback: str = ""  # why the population sampling was dropped, when it was
    as_of: date | None = None  # the date trained as of (None: all staged)


@dataclass
class Fit:
    """Phase 2: the baselines and the recipe's trained model."""

    baselines: object
    backbone: object
    device: object
    truncation: dict
    trained: Trained


@dataclass
class Evaluation:
    """Phase 3: the holdout metrics beside the best baseline's and the champion's, fairness, the gate's decision."""

    holdout_probs: np.ndarray
    metrics: dict
    champion_metrics: dict | None
    champion_version: str | None
    y_adverse: np.ndarray
    score: np.ndarray
    groups: list[dict]
    protected: list[str]
    flagged: list[dict]
    fairness_warnings: list[str]
    fairness: fairness.FairnessResult
    decision: gating.GateDecision
    alerts: dict
    reference: dict


def read_and_split(settings: Settings, spec: ModelSpec, args: TrainArgs, as_of: date | None) -> Data:
    """The training records known by the end of `as_of`, split by time (fraud: the population it scores)."""
    sampling = None
    if spec.population_sampling:  # fraud: train for the population it scores (finrisk.models.population)
        sampling = {
            "maturity_days": settings.train.fraud_maturity_days,
            "genuine_target": settings.train.fraud_genuine_target,
        }
    fallback = ""
    with get_engine(settings).connect() as conn:
        records = spec.training_records(conn, as_of, sampling)
        try:
            split = split_by_time(records, args.validation_share, args.holdout_share)
        except FinriskError as exc:
            if sampling is None:
                raise
            # Too short or too quiet a history for the population (e.g. no fraud in a time slice): the labelled
            # transactions only, as before, said in the log, the fingerprint and a run tag.
            fallback = f"labelled transactions only: the mature population cannot be split ({exc})"
            log.warning("%s: %s", spec.registered_name, fallback)
            sampling = None
            records = spec.training_records(conn, as_of)
            split = split_by_time(records, args.validation_share, args.holdout_share)
    fingerprint = {
        "model": spec.registered_name,
        "unit": spec.unit,
        "as_of": as_of.isoformat() if as_of else "all staged",
        "rows": len(records),
        **split.fingerprint(spec.positive_index),
    }
    data = Data(
        records=records,
        split=split,
        fingerprint=fingerprint,
        texts={name: [to_text(r.fields) for r in getattr(split, name)] for name in PARTS},
        labels={name: [r.meta["label"] for r in getattr(split, name)] for name in PARTS},
        fallback=fallback,
        as_of=as_of,
    )
    if fallback:
        fingerprint["population"] = fallback
    if sampling is not None:
        rate = population.genuine_rate(records, spec.positive_index)
        data.shift = population.prior_shift(rate)
        data.weights = {name: population.weights(getattr(split, name)) for name in PARTS}
        fingerprint.update(
            population="mature transactions, unlabelled = genuine",
            maturity_days=records[-1].meta.get("maturity_days") if records else None,
            genuine_sample_rate=round(rate, 6),
            prior_correction_logit=round(data.shift, 6),
        )
    return data


def fit_recipe(spec: ModelSpec, args: TrainArgs, data: Data, embedding_cache: dict | None = None) -> Fit:
    """Fit every baseline, then the spec's recipe: the fused head (credit, fraud) or a fine-tune (news)."""
    tabular_encoder, tab = None, None
    if spec.fused:
        tabular_encoder = TabularEncoder().fit([raw_row(r) for r in data.split.train])
        tab = {name: tabular_encoder.transform([raw_row(r) for r in getattr(data.split, name)]) for name in PARTS}
    baselines = fit_baselines(
        data.texts,
        tab,
        data.labels,
        spec.num_labels,
        spec.positive_index,
        spec.primary_metric,
        args.seed,
        weights=data.weights,
        prior_shift=data.shift,
    )
    backbone = load_backbone(args.base_model, spec.num_labels, args.seed)
    device = pick_device()
    truncation = truncation_report(backbone.tokenizer, data.texts["train"], args.max_length)
    log.info(
        "%s: %d of %d training texts exceed max_length %d; most cut: %s",
        spec.registered_name,
        truncation["truncated"],
        truncation["records"],
        args.max_length,
        ", ".join(f"{c['field']} ({c['records']})" for c in truncation["fields_cut"][:5]) or "none",
    )
    if spec.fused:
        trained = fuse(
            spec,
            backbone,
            args,
            data.split,
            data.texts,
            data.labels,
            device,
            tabular_encoder,
            baselines,
            data.shift,
            embedding_cache,
        )
    else:
        trained = finetune(spec, backbone, args, data.texts, data.labels, device)
    log.info(
        "%s: %d steps, best validation %s %.4f",
        spec.registered_name,
        trained.fitted.steps,
        spec.primary_metric,
        trained.fitted.best_score,
    )
    return Fit(baselines=baselines, backbone=backbone, device=device, truncation=truncation, trained=trained)


def _champion_metrics(settings: Settings, spec: ModelSpec, records: list, labels: list[int], weights=None):
    """The current champion scored on this run's holdout, or (None, None)."""
    ref = resolve_alias(settings, spec.name, "champion")
    if ref is None:
        return None, None
    probs = load_scorer(settings, ref).predict_records(records)
    return evaluate(labels, probs, spec.positive_index, weights), ref.version


def _training_sample_reference(spec: ModelSpec, args: TrainArgs, data: Data, trained: Trained) -> dict:
    """The fallback reference: the last REFERENCE_SAMPLE training rows (fraud: redrawn by population weight)."""
    sample = data.split.train[-REFERENCE_SAMPLE:]
    sample_scores = trained.predict(sample)[:, spec.positive_index]
    if data.weights:  # the reference describes the scored population: redraw the sample by population weight
        w = data.weights["train"][-len(sample) :]
        picks = np.random.default_rng(args.seed).choice(len(sample), size=len(sample), p=w / w.sum())
        sample, sample_scores = [sample[i] for i in picks], sample_scores[picks]
    return build_reference(sample_scores, [r.meta.get("numeric", {}) for r in sample])


def monitoring_reference(settings: Settings, spec: ModelSpec, args: TrainArgs, data: Data, trained: Trained) -> dict:
    """The PSI reference kept with the version: the population the nightly runs of the as-of date score, built
    by the nightly reader and scored by the new model (`finrisk.training.reference`); the training sample only
    when that population is empty, said in the reference and the log."""
    day = reference_date(data.as_of, data.records)
    if day is not None:
        with get_engine(settings).connect() as conn:
            reference = scored_reference(conn, spec, day, trained.predict, args.seed)
        if reference is not None:
            log.info(
                "%s: monitoring reference = %d of %d %s scored on %s..%s (%s)",
                spec.registered_name,
                reference["n"],
                reference["population_rows"],
                spec.units,
                reference["window"]["start"],
                reference["window"]["end"],
                reference["sample"],
            )
            return reference
    why = f"no {spec.units} scored on the window ending {day}" if day else "no date to build the scored population of"
    fallback = _training_sample_reference(spec, args, data, trained)
    log.warning("%s: monitoring reference = %d training rows: %s", spec.registered_name, fallback["n"], why)
    return {
        **fallback,
        "population": "training sample",
        "as_of": day.isoformat() if day else None,
        "fallback": f"{why}: the last {fallback['n']} training rows stand in",
    }


def evaluate_model(settings: Settings, spec: ModelSpec, args: TrainArgs, data: Data, fitted: Fit) -> Evaluation:
    """Holdout metrics against the best baseline and the champion, fairness by group, the gate's decision,
    the fraud alert figures and the monitoring reference for PSI (the population it will score)."""
    trained, split = fitted.trained, data.split
    holdout_probs = trained.predict(split.holdout)
    holdout_weights = data.weights["holdout"] if data.weights else None
    metrics = evaluate(data.labels["holdout"], holdout_probs, spec.positive_index, holdout_weights)
    champion_metrics, champion_version = _champion_metrics(
        settings, spec, split.holdout, data.labels["holdout"], holdout_weights
    )
    # The adverse class one-vs-rest drives tables, plots and the PSI reference.
    y_adverse = (np.asarray(data.labels["holdout"]) == spec.positive_index).astype(int)
    score = holdout_probs[:, spec.positive_index]
    fair = settings.fairness
    protected = [] if spec.group_attributes else list(settings.protected_attributes)
    attributes = list(spec.group_attributes or dict.fromkeys(("segment", *protected)))
    holdout_groups, fairness_warnings = fairness.protected_groups(
        [r.meta for r in split.holdout], protected, fair.band_edges
    )
    groups = group_table(holdout_groups, y_adverse, score, attributes, cutoff=top_decile_cutoff(score))
    fair_check = fairness.assess(
        holdout_groups, y_adverse, score, protected, fairness_warnings, fair, top_decile_cutoff(score)
    )
    flagged = fair_check.flagged
    for warning in fairness_warnings:
        log.warning("%s: %s", spec.registered_name, warning)
    baselines = fitted.baselines
    decision = gating.decide(
        metrics,
        baselines.best_metrics,
        champion_metrics,
        settings.gate,
        primary=spec.primary_metric,
        must_beat_baseline=spec.must_beat_baseline,
        baseline_name=baselines.best,
        fairness_flags=fairness.describe(fair_check.breaches),
        refuse_on_fairness=fair.gate_refuse,
        fairness_notes=fair_check.notes,
        require_approval=settings.approval.required,
    )
    alerts = {}
    if data.weights is not None:
        alerts = population.alert_metrics(
            y_adverse,
            score,
            holdout_weights,
            settings.scoring.fraud_alert_threshold,
            [r.meta["time"] for r in split.holdout],
        )
    reference = monitoring_reference(settings, spec, args, data, trained)
    return Evaluation(
        holdout_probs=holdout_probs,
        metrics=metrics,
        champion_metrics=champion_metrics,
        champion_version=champion_version,
        y_adverse=y_adverse,
        score=score,
        groups=groups,
        protected=protected,
        flagged=flagged,
        fairness_warnings=fairness_warnings,
        fairness=fair_check,
        decision=decision,
        alerts=alerts,
        reference=reference,
    )


def train_model(
    settings: Settings,
    model: str,
    args: TrainArgs | None = None,
    as_of: date | None = None,
    embedding_cache: dict | None = None,
) -> TrainResult:
    """Train on the rows known by the end of `as_of` (None: all staged), evaluate against every baseline and
    the champion, register a new version and gate it. `embedding_cache`: see `fusion_train.fuse`."""
    spec = get_spec(model)
    args = args or TrainArgs.from_settings(settings)
    connect(settings)  # fail fast: an unreachable tracking server must not cost a training run
    seed_everything(args.seed)
    data = read_and_split(settings, spec, args, as_of)
    fitted = fit_recipe(spec, args, data, embedding_cache)
    evaluation = evaluate_model(settings, spec, args, data, fitted)
    version, run_id = log_register_and_gate(settings, spec, args, data, fitted, evaluation)
    trained = fitted.trained
    return TrainResult(
        model=spec.name,
        registered_name=spec.registered_name,
        version=version,
        run_id=run_id,
        metrics=evaluation.metrics,
        baseline_metrics=fitted.baselines.best_metrics,
        champion_metrics=evaluation.champion_metrics,
        champion_version=evaluation.champion_version,
        decision=evaluation.decision,
        fingerprint=data.fingerprint,
        fit={
            "steps": trained.fitted.steps,
            "best_validation": trained.fitted.best_score,
            "seconds": trained.fitted.seconds,
            "samples_per_second": getattr(trained.fitted, "samples_per_second", 0.0),
            **trained.extra,
        },
        baselines=fitted.baselines.holdout,
        best_baseline=fitted.baselines.best,
        holdout_probs=evaluation.holdout_probs,
        holdout_keys=[r.key for r in data.split.holdout],
        population=evaluation.alerts,
    )
