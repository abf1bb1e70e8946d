"""`train_model`: read (as of a date) → split by time → baselines → fuse or fine-tune → evaluate → log → register → gate.

One readable flow for all three models; what differs lives in the model's spec.
"""

from __future__ import annotations

import json
import logging
import math
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.errors import FinriskError
from finrisk.features.serialize import to_text, without_lines
from finrisk.models.args import TrainArgs
from finrisk.models.backbone import load_backbone
from finrisk.models.baseline import fit_baselines
from finrisk.models import fairness, population
from finrisk.models.calibrate import Platt, bake_platt, fit_platt
from finrisk.models.evaluate import calibration_table, decile_table, evaluate, group_table, top_decile_cutoff
from finrisk.models.loop import fit, predict_proba
from finrisk.models.plots import write_plots
from finrisk.models.reference import build_reference
from finrisk.models.runtime import pick_device
from finrisk.models.report import write_report
from finrisk.models.specs import get_spec
from finrisk.models.split import split_by_time
from finrisk.models.truncation import truncation_report
from finrisk.models.tabular import TabularEncoder, raw_row
from finrisk.registry import gate as gating
from finrisk.registry.tracking import connect

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


def _champion_metrics(settings: Settings, spec, records: list, labels: list[int], weights=None):
    """The current champion scored on this run's holdout, or (None, None)."""
    from finrisk.registry.client import load_scorer, resolve_alias

    ref = resolve_alias(settings, spec.name, "champion")
    if ref is None:
        return None, None
    scorer = load_scorer(settings, ref)
    predict = getattr(scorer, "predict_records", None) or scorer._classifier.predict_records
    probs = predict(records)
    return evaluate(labels, probs, spec.positive_index, weights), ref.version


@dataclass
class Trained:
    """A recipe's outcome: a probability function over records, the loop's report and what to log."""

    predict: Callable[[list], np.ndarray]
    fitted: object
    platt: Platt
    save: dict
    extra: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)


def _finetune(spec, backbone, args, split, texts, labels, device) -> Trained:
    """Fine-tune the whole encoder with its classification head (news)."""
    primary = spec.primary_metric
    log.info("%s: train work %d fine-tuning steps", spec.registered_name,
             args.max_steps if args.max_steps > 0 else args.epochs * math.ceil(len(texts["train"]) / args.batch_size))

    def predict(records_texts: list[str]) -> np.ndarray:
        return predict_proba(backbone.model, backbone.tokenizer, records_texts, args.max_length,
                             args.eval_batch_size, device)

    def validate() -> float:
        probs = predict(texts["validation"])
        return float(np.nan_to_num(evaluate(labels["validation"], probs, spec.positive_index)[primary], nan=0.0))

    weights = _class_weights(labels["train"], spec.num_labels) if spec.class_weighted else None
    fitted = fit(backbone.model, backbone.tokenizer, texts["train"], labels["train"], args, device, validate, weights)
    if weights:
        undo_class_weights(backbone.model, weights)
    platt = Platt(1.0, 0.0)
    if spec.is_binary:
        platt = fit_platt(predict(texts["validation"]), labels["validation"], spec.positive_index)
        if not bake_platt(backbone.model, platt, spec.positive_index):
            platt = Platt(1.0, 0.0)
    return Trained(predict=lambda records: predict([to_text(r.fields) for r in records]), fitted=fitted,
                   platt=platt, save={"backbone": backbone})


def _fuse(spec, backbone, args, split, texts, labels, device, tabular_encoder, baselines, shift: float = 0.0,
          embedding_cache: dict | None = None) -> Trained:
    """Frozen encoder, embeddings computed once, the fused head trained from the best baseline start; `shift` is
    the prior correction of a sampled training set, folded into the Platt intercept. `embedding_cache` (text ->
    vector, for one base model) lets repeated runs on the same data (a seed spread) embed once."""
    from sklearn.metrics import roc_auc_score

    from finrisk.models import fusion
    from finrisk.models.quantize import inference_encoder

    encoder = backbone.model.base_model.to(device)
    started = time.perf_counter()
    # Embed with the encoder scoring will run (int8 on CPU): the head learns on the vectors it will be fed.
    embedder = inference_encoder(encoder, device, args.cpu_int8)
    # "train work" and "embedded +k texts" drive the quick start's progress bar (finrisk.quickstart)
    # each distinct text once: slow text repeats (a customer's snapshots, a merchant's transactions)
    cache = embedding_cache if embedding_cache is not None else {}
    wide_only = tuple(dict.fromkeys(k for r in split.train for k in r.meta.get("wide_only", ()))) if args.slow_text else ()
    encoder_texts = {name: [without_lines(t, wide_only) for t in texts[name]] for name in PARTS}
    log.info("%s: train work %d texts to embed", spec.registered_name,
             len({t for name in PARTS for t in encoder_texts[name]} - cache.keys()))
    embeddings = {name: fusion.embed_cached(embedder, backbone.tokenizer, encoder_texts[name], args.max_length,
                                            args.eval_batch_size, device, cache,
                                            lambda k: log.info("embedded +%d texts", k)) for name in PARTS}
    embed_seconds = time.perf_counter() - started
    tree = baselines.hgb if args.stack_tree and spec.positive_index == 1 else None
    rows = {name: [raw_row(r) for r in getattr(split, name)] for name in PARTS}
    oof = None
    if tree is not None:
        x_train = tabular_encoder.transform(rows["train"])
        oof = fusion.out_of_fold_logits(x_train, labels["train"], spec.positive_index, args.seed)
    head = fusion.make_head(len(tabular_encoder.columns) + (tree is not None), embeddings["train"].shape[1],
                            args.wide_features, args.head_hidden)
    _set_text_scale(head, embeddings["train"])
    fused = fusion.FusedModel(encoder.to("cpu"), backbone.tokenizer, tabular_encoder, head, args.max_length,
                              args.wide_features, spec.classes, spec.positive_index, tree, args.cpu_int8,
                              wide_only, fusion.encoder_fingerprint(encoder, backbone.tokenizer, args.max_length))
    inputs = {name: fused.inputs(texts[name], rows[name], embeddings=embeddings[name],
                                 tree_logits=oof if name == "train" else None) for name in PARTS}
    y_val = (np.asarray(labels["validation"]) == spec.positive_index).astype(int)

    def validate() -> float:
        return float(roc_auc_score(y_val, fused.logits(*inputs["validation"])))

    extra = {"embed_seconds": embed_seconds, "tabular_columns": float(len(tabular_encoder.columns))}
    start = _pick_start(head, baselines.lr, inputs["train"][0].numpy() if tree is not None else None,
                        labels["train"], args.seed, validate, extra)
    fitted = fusion.train_head(head, inputs["train"], labels["train"], validate, epochs=args.head_epochs,
                               batch_size=max(args.batch_size, 64), learning_rate=args.fusion_learning_rate,
                               weight_decay=args.head_weight_decay, patience=args.patience + 3, seed=args.seed,
                               positive_index=spec.positive_index)
    platt = fit_platt(fused.to_probs(fused.logits(*inputs["validation"])), labels["validation"], spec.positive_index)
    platt = Platt(platt.slope, platt.intercept + shift)
    fusion.bake_platt(head, platt.slope, platt.intercept)
    cached = {id(getattr(split, name)): name for name in PARTS}

    def predict(records: list) -> np.ndarray:
        name = cached.get(id(records))
        if name is not None:  # the splits' embeddings are already computed; train's tree logits are out of fold,
            return fused.to_probs(fused.logits(*inputs[name]))  # like scoring's on rows the tree never saw
        tail = len(split.train) - len(records)
        if records and tail >= 0 and records[0] is split.train[tail]:  # the reference sample: the train split's tail
            return predict(split.train)[tail:]
        return fused.predict_records(records, args.eval_batch_size)

    extra.update(step0_validation_auc=fitted.step0_score)
    return Trained(predict=predict, fitted=fitted, platt=platt, save={"fused": fused}, extra=extra,
                   tags={"head_start": start})


def _pick_start(head, lr_model, train_tab: np.ndarray | None, train_labels, seed: int, validate, extra: dict) -> str:
    """Set the head's tabular part to its best start on validation: the LR baseline, or (with a tree column) LR
    stacked over the tabular vector and the out-of-fold tree logit; LR wins ties."""
    from finrisk.models import fusion
    from finrisk.models.baseline import fit_lr

    if train_tab is None:
        fusion.init_from_baseline(head, lr_model)
        return "lr"
    candidates = fusion.starts(lr_model, fit_lr(train_tab, train_labels, seed))
    scores = {}
    for name, (weights, bias) in candidates.items():
        fusion.set_tabular(head, weights, bias)
        scores[name] = validate()
        extra[f"start_{name}_validation_auc"] = scores[name]
    best = max(scores, key=lambda n: scores[n])  # dicts keep order: "lr" first, so it wins a tie
    fusion.set_tabular(head, *candidates[best])
    return best


def _set_text_scale(head, train_embeddings: np.ndarray) -> None:
    import torch

    with torch.no_grad():
        head.text_mean.copy_(torch.tensor(train_embeddings.mean(0)))
        head.text_std.copy_(torch.tensor(train_embeddings.std(0) + 1e-6))


def train_model(settings: Settings, model: str, args: TrainArgs | None = None, as_of: date | None = None,
                embedding_cache: dict | None = None) -> TrainResult:
    """Train on the rows known by the end of `as_of` (None: all staged), evaluate against every baseline and
    the champion, register a new version and gate it. `embedding_cache`: see `_fuse`."""
    spec = get_spec(model)
    args = args or TrainArgs.from_settings(settings)
    connect(settings)  # fail fast: an unreachable tracking server must not cost a training run
    seed_everything(args.seed)

    sampling = None
    if spec.population_sampling:  # fraud: train for the population it scores (finrisk.models.population)
        sampling = {"maturity_days": settings.train.fraud_maturity_days,
                    "genuine_target": settings.train.fraud_genuine_target}
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
    fingerprint = {"model": spec.registered_name, "unit": spec.unit, "as_of": as_of.isoformat() if as_of else "all staged",
                   "rows": len(records), **split.fingerprint(spec.positive_index)}
    weights, shift = None, 0.0
    if fallback:
        fingerprint["population"] = fallback
    if sampling is not None:
        rate = population.genuine_rate(records, spec.positive_index)
        shift = population.prior_shift(rate)
        weights = {name: population.weights(getattr(split, name)) for name in PARTS}
        fingerprint.update(population="mature transactions, unlabelled = genuine",
                           maturity_days=records[-1].meta.get("maturity_days") if records else None,
                           genuine_sample_rate=round(rate, 6),
                           prior_correction_logit=round(shift, 6))
    texts = {name: [to_text(r.fields) for r in getattr(split, name)] for name in PARTS}
    labels = {name: [r.meta["label"] for r in getattr(split, name)] for name in PARTS}
    primary = spec.primary_metric

    tabular_encoder, tab = None, None
    if spec.fused:
        tabular_encoder = TabularEncoder().fit([raw_row(r) for r in split.train])
        tab = {name: tabular_encoder.transform([raw_row(r) for r in getattr(split, name)]) for name in PARTS}
    baselines = fit_baselines(texts, tab, labels, spec.num_labels, spec.positive_index, primary, args.seed,
                              weights=weights, prior_shift=shift)

    backbone = load_backbone(args.base_model, spec.num_labels, args.seed)
    device = pick_device()
    truncation = truncation_report(backbone.tokenizer, texts["train"], args.max_length)
    log.info("%s: %d of %d training texts exceed max_length %d; most cut: %s", spec.registered_name,
             truncation["truncated"], truncation["records"], args.max_length,
             ", ".join(f"{c['field']} ({c['records']})" for c in truncation["fields_cut"][:5]) or "none")
    if spec.fused:
        trained = _fuse(spec, backbone, args, split, texts, labels, device, tabular_encoder, baselines, shift,
                        embedding_cache)
    else:
        trained = _finetune(spec, backbone, args, split, texts, labels, device)
    fitted, platt = trained.fitted, trained.platt
    log.info("%s: %d steps, best validation %s %.4f", spec.registered_name, fitted.steps, primary, fitted.best_score)

    holdout_probs = trained.predict(split.holdout)
    holdout_weights = weights["holdout"] if weights else None
    metrics = evaluate(labels["holdout"], holdout_probs, spec.positive_index, holdout_weights)
    baseline_metrics = baselines.best_metrics
    champion_metrics, champion_version = _champion_metrics(settings, spec, split.holdout, labels["holdout"],
                                                           holdout_weights)

    # The adverse class one-vs-rest drives tables, plots and the PSI reference.
    y_adverse = (np.asarray(labels["holdout"]) == spec.positive_index).astype(int)
    score = holdout_probs[:, spec.positive_index]
    fair = settings.fairness
    protected = [] if spec.group_attributes else list(settings.protected_attributes)
    attributes = list(spec.group_attributes or dict.fromkeys(("segment", *protected)))
    holdout_groups, fairness_warnings = fairness.protected_groups([r.meta for r in split.holdout], protected,
                                                                  fair.band_edges)
    groups = group_table(holdout_groups, y_adverse, score, attributes, cutoff=top_decile_cutoff(score))
    flagged = fairness.flag_groups(groups, protected, min_ratio=fair.min_ratio, max_ratio=fair.max_ratio,
                                   reference=fair.reference, min_group_n=fair.min_group_n)
    for warning in fairness_warnings:
        log.warning("%s: %s", spec.registered_name, warning)
    decision = gating.decide(metrics, baseline_metrics, champion_metrics, settings.gate, primary=primary,
                             must_beat_baseline=spec.must_beat_baseline, baseline_name=baselines.best,
                             fairness_flags=fairness.describe(flagged), refuse_on_fairness=fair.gate_refuse)
    alerts, sections = {}, {}
    if sampling is not None:
        alerts = population.alert_metrics(y_adverse, score, holdout_weights, settings.scoring.fraud_alert_threshold,
                                          [r.meta["time"] for r in split.holdout])
        sections["Alerts at the threshold (holdout, weighted to all transactions)"] = [
            {"figure": k, "value": v} for k, v in alerts.items()]
    sample = split.train[-REFERENCE_SAMPLE:]
    sample_scores = trained.predict(sample)[:, spec.positive_index]
    if weights:  # the reference describes the scored population: redraw the sample by population weight
        w = weights["train"][-len(sample):]
        picks = np.random.default_rng(args.seed).choice(len(sample), size=len(sample), p=w / w.sum())
        sample, sample_scores = [sample[i] for i in picks], sample_scores[picks]
    reference = build_reference(sample_scores, [r.meta.get("numeric", {}) for r in sample])

    config = {"args": args.to_params(), "recipe": "fused" if spec.fused else "fine-tune", "base_model": backbone.name,
              "base_model_hash": backbone.weights_hash, "device": str(device), "gate": settings.gate.model_dump(),
              "protected_attributes": settings.protected_attributes, "fairness": fair.model_dump(),
              "as_of": fingerprint["as_of"]}
    from finrisk.registry.runs import library_versions, log_run, register_version

    baseline_table = [{"baseline": name, **{k: m.get(k) for k in ("auc", "pr_auc", "ks", "brier", "ece", "macro_f1")}}
                      for name, m in baselines.holdout.items()]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        plots = write_plots(y_adverse, score, baselines.holdout_probs[baselines.best][:, spec.positive_index],
                            out / "plots", spec.classes[spec.positive_index])
        tables = {"calibration": calibration_table(y_adverse, score, weights=holdout_weights),
                  "deciles": decile_table(y_adverse, score),
                  "segments": groups, "fit_history": fitted.history, "baselines": baseline_table}
        for name, rows in tables.items():
            (out / f"{name}.json").write_text(json.dumps(rows, indent=1))
        (out / "data_fingerprint.json").write_text(json.dumps(fingerprint, indent=1, default=str))
        (out / "truncation.json").write_text(json.dumps(truncation, indent=1))
        (out / "reference.json").write_text(json.dumps(reference))
        (out / "train_config.json").write_text(json.dumps({**config, "libraries": library_versions()}, indent=1))
        report_args = dict(title=spec.registered_name, fingerprint=fingerprint, config=config, metrics=metrics,
                           baseline=baseline_metrics, champion=champion_metrics, champion_version=champion_version,
                           calibration=tables["calibration"], deciles=tables["deciles"], groups=groups,
                           plots={k: (v.name, v.read_bytes()) for k, v in plots.items()},
                           decision=decision, flagged=flagged, warnings=fairness_warnings,
                           band=(fair.min_ratio, fair.max_ratio), sections=sections)
        params = {**args.to_params(), "base_model": backbone.name, "base_model_hash": backbone.weights_hash[:250],
                  "device": str(device), "num_labels": spec.num_labels, "as_of": fingerprint["as_of"],
                  "recipe": config["recipe"], "best_baseline": baselines.best,
                  **{f"data_{k}": v for k, v in _flat_fingerprint(fingerprint).items()},
                  **{f"lib_{k}": v for k, v in library_versions().items()}}
        extra = {"calibration_slope": platt.slope, "calibration_intercept": platt.intercept,
                 "train_steps": fitted.steps, "best_validation": fitted.best_score, "best_step": fitted.best_step,
                 "train_seconds": fitted.seconds, "stopped_early": float(fitted.stopped_early), **trained.extra,
                 "truncated_share": truncation["truncated_share"],
                 **alerts, "fairness_flagged_groups": float(len(flagged)), "fairness_warnings": float(len(fairness_warnings)),
                 **_ratio_extremes([r for r in groups if r["attribute"] in protected and r["n"] >= fair.min_group_n]),
                 **{f"baseline_{name}_{k}": v for name, m in baselines.holdout.items() for k, v in m.items()
                    if isinstance(v, float) and not math.isnan(v)}}
        if hasattr(fitted, "samples_per_second"):
            extra["train_samples_per_second"] = fitted.samples_per_second
        run_tags = {"model": spec.name, "beats_baseline": str(decision.beats_baseline).lower(),
                    "best_baseline": baselines.best, "gate_decision": decision.decision,
                    "champion_compared": champion_version or "none", "as_of": fingerprint["as_of"],
                    "fairness_flags": ("; ".join(fairness.describe(flagged)) or "none")[:4900],
                    "fairness_warnings": ("; ".join(fairness_warnings) or "none")[:4900],
                    **({"population_fallback": fallback[:4900]} if fallback else {}), **trained.tags}
        try:
            logged = log_run(settings, spec, backbone=trained.save.get("backbone"), args=args, params=params,
                             metrics=metrics, baseline=baseline_metrics, champion=champion_metrics,
                             extra_metrics=extra, artifacts_dir=out, tags=run_tags, fused=trained.save.get("fused"))
        except Exception as exc:  # a full disk must be one line, not a SafetensorError traceback
            failure = save_failure(settings, spec.registered_name, exc)
            if failure is None:
                raise
            raise failure from None

    version_tags = {"holdout_auc": f"{metrics.get('auc', float('nan')):.4f}",
                    "baseline_auc": f"{baseline_metrics.get('auc', float('nan')):.4f}",
                    "best_baseline": baselines.best, "beats_baseline": str(decision.beats_baseline).lower()}
    if "macro_f1" in metrics:
        version_tags["holdout_macro_f1"] = f"{metrics['macro_f1']:.4f}"
    version_tags["fairness_flagged_groups"] = str(len(flagged))
    version = register_version(settings, spec, logged, version_tags)
    _log_report(settings, logged.run_id, version, report_args)
    gating.apply(settings, spec, version, decision, previous=champion_version)
    return TrainResult(model=spec.name, registered_name=spec.registered_name, version=version, run_id=logged.run_id,
                       metrics=metrics, baseline_metrics=baseline_metrics, champion_metrics=champion_metrics,
                       champion_version=champion_version, decision=decision, fingerprint=fingerprint,
                       fit={"steps": fitted.steps, "best_validation": fitted.best_score, "seconds": fitted.seconds,
                            "samples_per_second": getattr(fitted, "samples_per_second", 0.0), **trained.extra},
                       baselines=baselines.holdout, best_baseline=baselines.best,
                       holdout_probs=holdout_probs, holdout_keys=[r.key for r in split.holdout], population=alerts)


def save_failure(settings: Settings, name: str, exc: BaseException) -> FinriskError | None:
    """A one-line error naming where the trained model could not be written and why (a full disk, a quota,
    a read-only folder), or None when `exc` is no write failure. Registration comes after the save, so
    nothing is registered and the champion is unchanged."""
    import errno
    import os
    import re

    from finrisk.errors import redact
    from finrisk.registry.tracking import artifact_root

    write_errors = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EIO)
    for seen in (exc, exc.__cause__, exc.__context__):
        text = (str(seen).strip().splitlines() or [""])[0] if seen is not None else ""
        # safetensors: "Error while serializing: I/O error: No space left on device (os error 28)"
        match = re.search(r"\(os error (\d+)\)", text)
        code = getattr(seen, "errno", None) or (int(match.group(1)) if match else None)
        if type(seen).__name__ == "SafetensorError" or (isinstance(seen, OSError) and code in write_errors):
            break
    else:
        return None
    reason = os.strerror(code).lower() if code else text
    # safetensors writes the weights where log_run stages the model (the temporary folder); MLflow then
    # copies them under the experiment's artifact folder (an OSError there usually names its file)
    where = getattr(seen, "filename", None) or (
        tempfile.gettempdir() if type(seen).__name__ == "SafetensorError" else artifact_root(settings) / name)
    return FinriskError(redact(f"{name}: the trained model could not be saved under {where}: {reason}; "
                               "nothing was registered and the champion is unchanged"))


def _ratio_extremes(rows: list[dict]) -> dict[str, float]:
    ratios = [r["adverse_ratio"] for r in rows if isinstance(r.get("adverse_ratio"), float)
              and math.isfinite(r["adverse_ratio"])]
    return {"fairness_min_adverse_ratio": min(ratios), "fairness_max_adverse_ratio": max(ratios)} if ratios else {}


def _log_report(settings: Settings, run_id: str, version: str, report_args: dict) -> None:
    """Write the validation report naming the registered version and log it to the run."""
    from finrisk.registry.tracking import client as mlflow_client

    with tempfile.TemporaryDirectory() as tmp:
        plots = {}
        for key, (name, data) in report_args["plots"].items():
            plots[key] = Path(tmp) / name
            plots[key].write_bytes(data)
        path = write_report(Path(tmp) / "validation_report.html", version=version, **{**report_args, "plots": plots})
        mlflow_client(settings).log_artifact(run_id, str(path))


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

