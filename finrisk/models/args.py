"""Typed training arguments, defaulting from `settings.train` (CPU-sized)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from finrisk.config import Settings
from finrisk.errors import FinriskError


@dataclass
class TrainArgs:
    """Fine-tuning arguments; every field is logged as an MLflow param."""

    epochs: int = field(default=2, metadata={"help": "passes over the training split"})
    batch_size: int = field(default=16, metadata={"help": "examples per optimisation step"})
    learning_rate: float = field(default=2e-4, metadata={"help": "peak AdamW learning rate of the pretrained encoder"})
    head_learning_rate: float = field(
        default=2e-3,
        metadata={"help": "peak learning rate of the freshly initialised classifier head; 0 = learning_rate"},
    )
    max_length: int = field(default=192, metadata={"help": "tokens kept per example (longer text is truncated)"})
    seed: int = field(default=42, metadata={"help": "seed for python, numpy and torch"})
    max_steps: int = field(default=140, metadata={"help": "stop after this many steps; -1 means no limit"})
    patience: int = field(default=2, metadata={"help": "evaluations without validation improvement before stopping"})
    eval_every: int = field(default=35, metadata={"help": "evaluate every N steps; 0 means once per epoch"})
    warmup_ratio: float = field(default=0.1, metadata={"help": "share of steps with a linear learning-rate warm-up"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    eval_batch_size: int = field(default=64, metadata={"help": "examples per prediction batch"})
    validation_share: float = field(default=0.15, metadata={"help": "share of examples (by time) in validation"})
    holdout_share: float = field(
        default=0.2, metadata={"help": "share of the latest examples in the out-of-time holdout"}
    )
    head_epochs: int = field(default=40, metadata={"help": "fused models: passes of the head over the cached inputs"})
    head_hidden: int = field(default=8, metadata={"help": "fused models: width of the MLP over the encoder vector"})
    fusion_learning_rate: float = field(
        default=3e-4, metadata={"help": "fused models: AdamW rate of the head (tabular part x0.1, wide part x5)"}
    )
    wide_features: int = field(
        default=2**18, metadata={"help": "fused models: hashed word 1-2-gram buckets of the text in the head; 0 = none"}
    )
    head_weight_decay: float = field(default=0.01, metadata={"help": "fused models: AdamW weight decay of the head"})
    cpu_int8: bool = field(
        default=True,
        metadata={
            "help": "fused models: on CPU, embed (train and score) with the int8 encoder; "
            "False keeps float32 (stored with the model)"
        },
    )
    slow_text: bool = field(
        default=True,
        metadata={
            "help": "fused models: the encoder reads a record's fields less meta['wide_only'] "
            "(daily figures, still in the n-grams), so its vector can be stored"
        },
    )
    stack_tree: bool = field(
        default=True,
        metadata={"help": "fused models: the HGB baseline's logit is a head input (out-of-fold in training)"},
    )
    base_model: str | None = field(
        default=None,
        metadata={
            "help": "local path or hub name; None = settings.base_model or packaged MiniLM; 'tiny-random' for tests"
        },
    )

    def __post_init__(self) -> None:
        checks = {
            "epochs": self.epochs >= 1,
            "batch_size": self.batch_size >= 1,
            "learning_rate": self.learning_rate > 0,
            "head_learning_rate": self.head_learning_rate >= 0,
            "eval_every": self.eval_every >= 0,
            "max_length": 8 <= self.max_length <= 8192,
            "max_steps": self.max_steps == -1 or self.max_steps >= 1,
            "patience": self.patience >= 0,
            "validation_share": 0 < self.validation_share < 0.5,
            "holdout_share": 0 < self.holdout_share < 0.5,
            "head_epochs": self.head_epochs >= 0,
            "head_hidden": self.head_hidden >= 1,
            "fusion_learning_rate": self.fusion_learning_rate > 0,
            "wide_features": self.wide_features >= 0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise FinriskError(
                f"training argument(s) out of range: {', '.join(f'{b}={getattr(self, b)!r}' for b in bad)}"
            )

    @classmethod
    def from_settings(cls, settings: Settings, **overrides) -> TrainArgs:
        """Defaults from settings.train, then any non-None override (CLI flags, tests)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in settings.train.model_dump().items() if k in known}
        values["base_model"] = settings.base_model
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - known
        if unknown:
            raise FinriskError(f"unknown training argument(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    def to_params(self) -> dict[str, str]:
        """Every field as a string, for MLflow params."""
        return {k: str(v) for k, v in asdict(self).items()}
