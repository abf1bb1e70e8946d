"""The MLflow pyfuncs, loadable without the training code's globals.

- `TextClassifier` (news): a fine-tuned Hugging Face classifier and its tokenizer.
- `FusedClassifier` (credit, fraud): the frozen encoder, the tabular pre-processing and the
  fused head (`fusion.FusedModel`), saved as one folder.
`predict` takes a DataFrame with a `text` column (and, for the fused model, a `features`
column: the record's raw attributes and behaviour numbers as JSON) and returns one
probability column per class. Scoring calls `predict_records(records)`.
"""

from __future__ import annotations

import json

import mlflow.pyfunc


def _texts(model_input) -> list[str]:
    return [str(t) for t in (model_input["text"] if hasattr(model_input, "columns") else model_input)]


class TextClassifier(mlflow.pyfunc.PythonModel):
    """Class probabilities for `key: value` texts."""

    def load_context(self, context) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from finrisk.models.runtime import pick_device

        with open(context.artifacts["labels"]) as fh:
            info = json.load(fh)
        self.classes = info["classes"]
        self.positive_index = info["positive_index"]
        self.max_length = info["max_length"]
        self.device = pick_device()
        self.tokenizer = AutoTokenizer.from_pretrained(context.artifacts["hf_model"])
        self.model = AutoModelForSequenceClassification.from_pretrained(context.artifacts["hf_model"])
        self.model.to(self.device).eval()

    def predict_proba(self, texts: list[str], batch_size: int = 64):
        """(n, k) probabilities; dynamic padding, length-grouped, inference mode, bf16 on CUDA."""
        from finrisk.models.loop import predict_proba

        return predict_proba(self.model, self.tokenizer, texts, self.max_length, batch_size, self.device)

    def predict_records(self, records, batch_size: int = 64):
        """(n, k) probabilities for records (their serialized fields)."""
        from finrisk.features.serialize import to_text

        return self.predict_proba([to_text(r.fields) for r in records], batch_size)

    def predict(self, context, model_input, params=None):
        import pandas as pd

        probs = self.predict_proba(_texts(model_input))
        return pd.DataFrame(probs, columns=[f"prob_{c}" for c in self.classes])


class FusedClassifier(mlflow.pyfunc.PythonModel):
    """Class probabilities from a record's text and its tabular attributes (fused head)."""

    def load_context(self, context) -> None:
        from finrisk.models.fusion import FusedModel

        self.fused = FusedModel.load(context.artifacts["fused"])
        self.classes = list(self.fused.classes)
        self.positive_index = self.fused.positive_index
        self.max_length = self.fused.max_length

    @property
    def cpu_int8(self) -> bool:
        """Whether CPU scoring swaps in the int8 encoder (as the model was trained)."""
        return self.fused.cpu_int8

    @property
    def model(self):
        return self.fused.encoder

    @model.setter
    def model(self, encoder) -> None:  # e.g. an int8 copy for CPU scoring (finrisk.models.quantize)
        self.fused.encoder = encoder

    @property
    def tokenizer(self):
        return self.fused.tokenizer

    @property
    def vector_source(self) -> str | None:
        """The key of this model's stored encoder vectors: its frozen encoder's fingerprint (shared by every version
        trained on the same base model), or None for a model trained without one (keyed by its version)."""
        return f"encoder:{self.fused.encoder_sha256}" if self.fused.encoder_sha256 else None

    def encoder_texts(self, records) -> list[str]:
        """What the encoder reads of each record (the key of its stored vector)."""
        from finrisk.features.serialize import to_text

        return self.fused.encoder_texts([to_text(r.fields) for r in records])

    def embed_records(self, records, batch_size: int = 64):
        """The encoder's vectors of the records (reused by `predict_records(..., embeddings=)`)."""
        return self.fused.embed_records(records, batch_size)

    def predict_records(self, records, batch_size: int = 64, embeddings=None):
        """(n, 2) probabilities for records; `embeddings` skips the encoder."""
        return self.fused.predict_records(records, batch_size, embeddings)

    def predict_proba(self, texts: list[str], batch_size: int = 64, rows: list[dict] | None = None):
        """(n, 2) probabilities for texts; `rows` are their raw tabular inputs (all missing when absent)."""
        return self.fused.predict_raw(list(texts), rows if rows is not None else [{} for _ in texts], batch_size)

    def predict(self, context, model_input, params=None):
        import pandas as pd

        texts = _texts(model_input)
        if hasattr(model_input, "columns") and "features" in model_input.columns:
            rows = [json.loads(f) if isinstance(f, str) else dict(f or {}) for f in model_input["features"]]
        else:
            rows = [{} for _ in texts]
        return pd.DataFrame(self.predict_proba(texts, rows=rows), columns=[f"prob_{c}" for c in self.classes])
