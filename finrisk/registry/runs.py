"""Logging a training run to MLflow and registering its model as a new version.

Registration is the last step: a run that fails before it leaves no version behind.
"""

from __future__ import annotations

import json
import math
import platform
import tempfile
from dataclasses import dataclass
from pathlib import Path

from finrisk.config import Settings
from finrisk.registry.tracking import ensure_experiment

LIBRARIES = ("torch", "transformers", "mlflow", "scikit-learn", "numpy", "pandas", "sqlalchemy")


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries a model depends on."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "missing"
    return out


def _finite(metrics: dict, prefix: str = "") -> dict[str, float]:
    return {
        f"{prefix}{k}": float(v)
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v))
    }


@dataclass
class LoggedRun:
    run_id: str
    model_uri: str


def log_run(
    settings: Settings,
    spec,
    *,
    backbone,
    args,
    params: dict,
    metrics: dict,
    baseline: dict,
    champion: dict | None,
    extra_metrics: dict,
    artifacts_dir: Path,
    tags: dict,
    fused=None,
) -> LoggedRun:
    """One MLflow run: params, metrics (model, baseline_, champion_), artifacts and the pyfunc model
    (the fine-tuned `backbone`, or the `fused` model of finrisk.models.fusion)."""
    import mlflow
    import pandas as pd
    from mlflow.models import infer_signature

    from finrisk.models.pyfunc import FusedClassifier, TextClassifier

    experiment_id = ensure_experiment(settings, spec.registered_name)
    with tempfile.TemporaryDirectory() as tmp:
        if fused is not None:
            fused.save(Path(tmp) / "fused")
            python_model, artifacts = FusedClassifier(), {"fused": str(Path(tmp) / "fused")}
            example = pd.DataFrame({"text": [spec.synthetic_text()], "features": ["{}"]})
        else:
            hf_dir = Path(tmp) / "hf_model"
            backbone.model.to("cpu").save_pretrained(hf_dir)
            backbone.tokenizer.save_pretrained(hf_dir)
            labels = Path(tmp) / "labels.json"
            labels.write_text(
                json.dumps(
                    {
                        "classes": list(spec.classes),
                        "positive_index": spec.positive_index,
                        "max_length": args.max_length,
                    }
                )
            )
            python_model, artifacts = TextClassifier(), {"hf_model": str(hf_dir), "labels": str(labels)}
            example = pd.DataFrame({"text": [spec.synthetic_text()]})
        output = pd.DataFrame([[1.0 / spec.num_labels] * spec.num_labels], columns=[f"prob_{c}" for c in spec.classes])
        signature = infer_signature(example, output)
        if fused is not None:  # the raw attributes are optional: a text alone is scored with them missing
            from mlflow.models import ModelSignature
            from mlflow.types.schema import ColSpec, Schema

            signature = ModelSignature(
                Schema([ColSpec("string", "text"), ColSpec("string", "features", required=False)]), signature.outputs
            )
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"train-{spec.name}") as run:
            mlflow.set_tags(tags)
            mlflow.log_params(params)
            mlflow.log_metrics(
                {
                    **_finite(metrics),
                    **_finite(baseline, "baseline_"),
                    **_finite(champion or {}, "champion_"),
                    **_finite(extra_metrics),
                }
            )
            mlflow.log_artifacts(str(artifacts_dir))
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=python_model,
                artifacts=artifacts,
                signature=signature,
                input_example=example,
                pip_requirements=[
                    f"{k}=={v}" for k, v in library_versions().items() if k not in ("python",) and v != "missing"
                ],
            )
        return LoggedRun(run_id=run.info.run_id, model_uri=info.model_uri)


def register_version(settings: Settings, spec, logged: LoggedRun, tags: dict) -> str:
    """Register the logged model as a new version of the spec's registered model; returns the version."""
    import mlflow

    version = mlflow.register_model(logged.model_uri, spec.registered_name, tags=tags)
    return str(version.version)
