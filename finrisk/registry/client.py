"""What scoring and people use: resolve an alias, load a scorer, load the training reference, list models."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import numpy as np

from finrisk.config import Settings
from finrisk.errors import FinriskError
from finrisk.registry.tracking import client as mlflow_client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelRef:
    """A concrete registered version: `model` is credit|fraud|news, `name` the registered name."""

    model: str
    name: str
    version: str
    run_id: str

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"


def _spec(model: str):
    from finrisk.models.specs import get_spec

    return get_spec(model)


def resolve_alias(settings: Settings, model: str, alias: str) -> ModelRef | None:
    """The version behind `alias` (e.g. champion), or None when the alias or the model does not exist."""
    from mlflow.exceptions import MlflowException

    spec = _spec(model)
    client = mlflow_client(settings)
    try:
        version = client.get_model_version_by_alias(spec.registered_name, alias)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise FinriskError(
            f"{spec.registered_name}@{alias} could not be resolved: {str(exc).splitlines()[0]}"
        ) from None
    return ModelRef(spec.name, spec.registered_name, str(version.version), version.run_id)


def get_version(settings: Settings, model: str, version: str | int) -> ModelRef:
    """A specific version, or a one-line error naming it."""
    from mlflow.exceptions import MlflowException

    spec = _spec(model)
    try:
        mv = mlflow_client(settings).get_model_version(spec.registered_name, str(version))
    except MlflowException:
        raise FinriskError(f"{spec.registered_name} has no version {version}") from None
    return ModelRef(spec.name, spec.registered_name, str(mv.version), mv.run_id)


class Scorer:
    """A loaded version: `predict_proba(texts)` -> (n, num_labels); `positive_index` is the adverse class."""

    def __init__(self, ref: ModelRef, classifier) -> None:
        self.ref = ref
        self._classifier = classifier
        self.classes: list[str] = list(classifier.classes)
        self.positive_index: int = int(classifier.positive_index)
        self.max_length: int = int(classifier.max_length)

    @property
    def model(self):
        return self._classifier.model

    @property
    def tokenizer(self):
        return self._classifier.tokenizer

    def predict_proba(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Probabilities batched with dynamic padding, grouped by length, under inference mode (bf16 on CUDA)."""
        return self._classifier.predict_proba(list(texts), batch_size)

    @property
    def reuses_embeddings(self) -> bool:
        """Whether the encoder's vectors of records can be computed once and passed back (fused models)."""
        return hasattr(self._classifier, "embed_records")

    @property
    def encoder_variant(self) -> str:
        """How the encoder runs, part of a stored vector's key: cpu-int8-alone (int8, one text per forward),
        cpu-fp32-alone, or cuda-bf16 (autocast, batched); see finrisk.models.runtime."""
        encoder = getattr(self._classifier, "encoder", None) or self._classifier.model
        if getattr(encoder, "is_int8", False):
            return "cpu-int8-alone"
        device = next(encoder.parameters()).device.type
        return "cuda-bf16" if device == "cuda" else f"{device}-fp32-alone"

    @property
    def vector_source(self) -> str:
        """What stored encoder vectors of this model are keyed by: the frozen encoder's fingerprint, so versions
        trained on the same base model share them, or else the model version."""
        return getattr(self._classifier, "vector_source", None) or self.ref.version

    def encoder_texts(self, records: list) -> list[str]:
        """What the encoder reads of each record (fused models only): its stored vector's key."""
        return self._classifier.encoder_texts(list(records))

    def embed_records(self, records: list, batch_size: int = 64) -> np.ndarray:
        """The encoder's vectors of records (fused models only)."""
        return self._classifier.embed_records(list(records), batch_size)

    def predict_records(self, records: list, batch_size: int = 64, embeddings: np.ndarray | None = None) -> np.ndarray:
        """Probabilities for records: a fused model reads their text and tabular attributes, a text model their text;
        `embeddings` (fused models) skips the encoder."""
        if embeddings is not None:
            return self._classifier.predict_records(list(records), batch_size, embeddings)
        return self._classifier.predict_records(list(records), batch_size)


def load_scorer(settings: Settings, ref: ModelRef) -> Scorer:
    """Load the pyfunc of `ref` and expose its tokenizer + model as a Scorer."""
    import mlflow.pyfunc

    mlflow_client(settings)
    try:
        loaded = mlflow.pyfunc.load_model(ref.uri)
    except Exception as exc:  # MLflow raises many types for missing artifacts
        raise FinriskError(
            f"{ref.name} version {ref.version} could not be loaded: {str(exc).splitlines()[0]}"
        ) from None
    from finrisk.models.quantize import for_cpu_scoring  # int8 Linear layers on CPU (bench/score.py)

    return Scorer(ref, for_cpu_scoring(loaded.unwrap_python_model()))


def load_reference(settings: Settings, ref: ModelRef) -> dict:
    """The version's training population (reference.json): score and key input distributions for PSI."""
    import mlflow.artifacts

    mlflow_client(settings)
    try:
        text = mlflow.artifacts.load_text(f"runs:/{ref.run_id}/reference.json")
    except Exception as exc:
        raise FinriskError(
            f"{ref.name} version {ref.version} has no reference.json: {str(exc).splitlines()[0]}"
        ) from None
    return json.loads(text)


def list_models(settings: Settings) -> list[dict]:
    """Every version of the three models: aliases, gate decision and key holdout metrics."""
    from mlflow.exceptions import MlflowException

    from finrisk.models.specs import SPECS

    client = mlflow_client(settings)
    rows = []
    for spec in SPECS.values():
        try:
            registered = client.get_registered_model(spec.registered_name)
        except MlflowException:
            continue
        by_version: dict[str, list[str]] = {}
        for alias, version in (registered.aliases or {}).items():
            by_version.setdefault(str(version), []).append(alias)
        for mv in client.search_model_versions(f"name = '{spec.registered_name}'"):
            tags = mv.tags or {}
            rows.append(
                {
                    "model": spec.name,
                    "name": spec.registered_name,
                    "version": str(mv.version),
                    "aliases": sorted(by_version.get(str(mv.version), [])),
                    "run_id": mv.run_id,
                    "created_at": mv.creation_timestamp,
                    "auc": tags.get("holdout_auc"),
                    "baseline_auc": tags.get("baseline_auc"),
                    "macro_f1": tags.get("holdout_macro_f1"),
                    "beats_baseline": tags.get("beats_baseline"),
                    "gate_decision": tags.get("gate_decision"),
                    "primary_metric": tags.get("primary_metric", spec.primary_metric),
                    "primary": tags.get("holdout_primary", tags.get(f"holdout_{spec.primary_metric}")),
                    "baseline_primary": tags.get("baseline_primary"),
                }
            )
    rows.sort(key=lambda r: (r["model"], int(r["version"])))
    return rows
