"""The MLflow pyfunc: tokenizer + fine-tuned model, loadable without the training code's globals.

The Hugging Face model and tokenizer are saved with `save_pretrained` into an artifact
folder; `load_context` reloads them. `predict` takes a DataFrame with a `text` column and
returns one probability column per class.
"""

from __future__ import annotations

import json

import mlflow.pyfunc


class TextClassifier(mlflow.pyfunc.PythonModel):
    """Class probabilities for `key: value` texts."""

    def load_context(self, context) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from finrisk.models.loop import pick_device

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

    def predict(self, context, model_input, params=None):
        import pandas as pd

        texts = [str(t) for t in (model_input["text"] if hasattr(model_input, "columns") else model_input)]
        probs = self.predict_proba(texts)
        return pd.DataFrame(probs, columns=[f"prob_{c}" for c in self.classes])
