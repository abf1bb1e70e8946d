"""The last phase of training: log the run with its artifacts and report, register the version, apply the gate.

A model that cannot be written (a full disk, a quota, a read-only folder) is one line naming the folder
and the reason (`save_failure`); registration comes after the save, so nothing half-registered is left.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import tempfile
from pathlib import Path

from finrisk.config import Settings
from finrisk.errors import FinriskError, redact
from finrisk.models import fairness
from finrisk.models.evaluate import calibration_table, decile_table
from finrisk.models.plots import write_plots
from finrisk.models.proxy_screen import screen as proxy_screen
from finrisk.models.report import write_report
from finrisk.models.specs import ModelSpec
from finrisk.registry import gate as gating
from finrisk.registry.promote import current_user
from finrisk.registry.runs import library_versions, log_run, register_version
from finrisk.registry.tracking import artifact_root
from finrisk.registry.tracking import client as mlflow_client

WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EIO)
METRIC_COLUMNS = ("auc", "pr_auc", "ks", "brier", "ece", "macro_f1")
FAIRNESS_COLUMNS = (
    "attribute",
    "group",
    "n",
    "adverse_rate",
    "reference",
    "adverse_ratio",
    "ratio_low",
    "ratio_high",
    "tpr",
    "fpr",
    "mean_score",
    "bad_rate",
    "flag",
)


def log_register_and_gate(settings: Settings, spec: ModelSpec, args, data, fitted, evaluation) -> tuple[str, str]:
    """Log the run (params, metrics, tables, plots, reference, model), register the version with its tags, write
    the validation report naming it, and let the gate move the champion. Returns (version, run_id)."""
    trained, baselines, ev = fitted.trained, fitted.baselines, evaluation
    fair = settings.fairness
    fairness.annotate(ev.groups, ev.fairness, fair)  # the segment table shows the check's ratios and flags
    config = {
        "args": args.to_params(),
        "recipe": "fused" if spec.fused else "fine-tune",
        "base_model": fitted.backbone.name,
        "base_model_hash": fitted.backbone.weights_hash,
        "device": str(fitted.device),
        "gate": settings.gate.model_dump(),
        "protected_attributes": settings.protected_attributes,
        "proxy_attributes": settings.proxy_attributes,  # left out of the inputs with the protected ones (issue 23)
        "permitted_inputs": settings.permitted_inputs,
        "fairness": fair.model_dump(),
        "as_of": data.fingerprint["as_of"],
    }
    baseline_table = [
        {"baseline": name, **{k: m.get(k) for k in METRIC_COLUMNS}} for name, m in baselines.holdout.items()
    ]
    holdout_weights = data.weights["holdout"] if data.weights else None
    sections = {}
    sections["Fairness: adverse ratio per protected group with its bootstrap interval (fairlearn MetricFrame)"] = [
        {k: r.get(k) for k in FAIRNESS_COLUMNS} for r in ev.fairness.rows
    ]
    if ev.alerts:
        sections["Alerts at the threshold (holdout, weighted to all transactions)"] = [
            {"figure": k, "value": v} for k, v in ev.alerts.items()
        ]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        plots = write_plots(
            ev.y_adverse,
            ev.score,
            baselines.holdout_probs[baselines.best][:, spec.positive_index],
            out / "plots",
            spec.classes[spec.positive_index],
        )
        tables = {
            "calibration": calibration_table(ev.y_adverse, ev.score, weights=holdout_weights),
            "deciles": decile_table(ev.y_adverse, ev.score),
            "segments": ev.groups,
            "fit_history": trained.fitted.history,
            "baselines": baseline_table,
        }
        for name, rows in tables.items():
            (out / f"{name}.json").write_text(json.dumps(rows, indent=1))
        (out / "data_fingerprint.json").write_text(json.dumps(data.fingerprint, indent=1, default=str))
        (out / "truncation.json").write_text(json.dumps(fitted.truncation, indent=1))
        (out / "reference.json").write_text(json.dumps(ev.reference))
        (out / "train_config.json").write_text(json.dumps({**config, "libraries": library_versions()}, indent=1))
        report_args = dict(
            title=spec.registered_name,
            fingerprint=data.fingerprint,
            config=config,
            metrics=ev.metrics,
            baseline=baselines.best_metrics,
            champion=ev.champion_metrics,
            champion_version=ev.champion_version,
            calibration=tables["calibration"],
            deciles=tables["deciles"],
            groups=ev.groups,
            plots={k: (v.name, v.read_bytes()) for k, v in plots.items()},
            decision=ev.decision,
            flagged=ev.fairness.flagged,
            warnings=ev.fairness.notes,
            band=(fair.min_ratio, fair.max_ratio),
            sections=sections,
            proxies=proxy_screen([r.meta for r in data.split.holdout]),  # inputs that predict a protected attribute
        )
        try:
            logged = log_run(
                settings,
                spec,
                backbone=trained.save.get("backbone"),
                args=args,
                params=_params(spec, args, data, fitted, config),
                metrics=ev.metrics,
                baseline=baselines.best_metrics,
                champion=ev.champion_metrics,
                extra_metrics=_extra_metrics(fitted, ev, fair),
                artifacts_dir=out,
                tags=_run_tags(spec, data, fitted, ev),
                fused=trained.save.get("fused"),
            )
        except Exception as exc:  # a full disk must be one line, not a SafetensorError traceback
            failure = save_failure(settings, spec.registered_name, exc)
            if failure is None:
                raise
            raise failure from None
    version = register_version(settings, spec, logged, _version_tags(spec, ev, baselines, current_user(settings)))
    _log_report(settings, logged.run_id, version, report_args)
    gating.apply(settings, spec, version, ev.decision, previous=ev.champion_version)
    return version, logged.run_id


def _params(spec: ModelSpec, args, data, fitted, config: dict) -> dict:
    return {
        **args.to_params(),
        "base_model": fitted.backbone.name,
        "base_model_hash": fitted.backbone.weights_hash[:250],
        "device": str(fitted.device),
        "num_labels": spec.num_labels,
        "as_of": data.fingerprint["as_of"],
        "recipe": config["recipe"],
        "best_baseline": fitted.baselines.best,
        **{f"data_{k}": v for k, v in _flat_fingerprint(data.fingerprint).items()},
        **{f"lib_{k}": v for k, v in library_versions().items()},
    }


def _extra_metrics(fitted, ev, fair) -> dict:
    trained, loop = fitted.trained, fitted.trained.fitted
    extra = {
        "calibration_slope": trained.platt.slope,
        "calibration_intercept": trained.platt.intercept,
        "train_steps": loop.steps,
        "best_validation": loop.best_score,
        "best_step": loop.best_step,
        "train_seconds": loop.seconds,
        "stopped_early": float(loop.stopped_early),
        **trained.extra,
        "truncated_share": fitted.truncation["truncated_share"],
        **ev.alerts,
        **ev.fairness.metrics(),
        **_ratio_extremes([r for r in ev.fairness.rows if r["n"] >= fair.min_group_n]),
        **{
            f"baseline_{name}_{k}": v
            for name, m in fitted.baselines.holdout.items()
            for k, v in m.items()
            if isinstance(v, float) and not math.isnan(v)
        },
    }
    if hasattr(loop, "samples_per_second"):
        extra["train_samples_per_second"] = loop.samples_per_second
    return extra


def _run_tags(spec: ModelSpec, data, fitted, ev) -> dict:
    return {
        "model": spec.name,
        "beats_baseline": str(ev.decision.beats_baseline).lower(),
        "best_baseline": fitted.baselines.best,
        "gate_decision": ev.decision.decision,
        "champion_compared": ev.champion_version or "none",
        "as_of": data.fingerprint["as_of"],
        **ev.fairness.tags(),
        **({"population_fallback": data.fallback[:4900]} if data.fallback else {}),
        **fitted.trained.tags,
    }


def _version_tags(spec: ModelSpec, ev, baselines, trainer: str) -> dict:
    metrics, baseline = ev.metrics, baselines.best_metrics
    tags = {
        "holdout_auc": f"{metrics.get('auc', float('nan')):.4f}",
        "baseline_auc": f"{baseline.get('auc', float('nan')):.4f}",
        "best_baseline": baselines.best,
        "beats_baseline": str(ev.decision.beats_baseline).lower(),
        "primary_metric": spec.primary_metric,
        "holdout_primary": f"{metrics.get(spec.primary_metric, float('nan')):.4f}",
        "baseline_primary": f"{baseline.get(spec.primary_metric, float('nan')):.4f}",
    }
    if "macro_f1" in metrics:
        tags["holdout_macro_f1"] = f"{metrics['macro_f1']:.4f}"
    tags.update(ev.fairness.tags())
    tags["trained_by"] = trainer
    return tags


def save_failure(settings: Settings, name: str, exc: BaseException) -> FinriskError | None:
    """A one-line error naming where the trained model could not be written and why (a full disk, a quota,
    a read-only folder), or None when `exc` is no write failure. Registration comes after the save, so
    nothing is registered and the champion is unchanged."""
    for seen in (exc, exc.__cause__, exc.__context__):
        text = (str(seen).strip().splitlines() or [""])[0] if seen is not None else ""
        # safetensors: "Error while serializing: I/O error: No space left on device (os error 28)"
        match = re.search(r"\(os error (\d+)\)", text)
        code = getattr(seen, "errno", None) or (int(match.group(1)) if match else None)
        if type(seen).__name__ == "SafetensorError" or (isinstance(seen, OSError) and code in WRITE_ERRORS):
            break
    else:
        return None
    reason = os.strerror(code).lower() if code else text
    # safetensors writes the weights where log_run stages the model (the temporary folder); MLflow then
    # copies them under the experiment's artifact folder (an OSError there usually names its file)
    where = getattr(seen, "filename", None) or (
        tempfile.gettempdir() if type(seen).__name__ == "SafetensorError" else artifact_root(settings) / name
    )
    return FinriskError(
        redact(
            f"{name}: the trained model could not be saved under {where}: {reason}; "
            "nothing was registered and the champion is unchanged"
        )
    )


def _ratio_extremes(rows: list[dict]) -> dict[str, float]:
    ratios = [
        r["adverse_ratio"]
        for r in rows
        if isinstance(r.get("adverse_ratio"), float) and math.isfinite(r["adverse_ratio"])
    ]
    return {"fairness_min_adverse_ratio": min(ratios), "fairness_max_adverse_ratio": max(ratios)} if ratios else {}


def _log_report(settings: Settings, run_id: str, version: str, report_args: dict) -> None:
    """Write the validation report naming the registered version and log it to the run."""
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
