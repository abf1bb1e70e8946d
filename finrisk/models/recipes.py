"""The fine-tune recipe (news) and what every recipe shares: seeding, class weights and their undoing.

A recipe turns a split into a `Trained`: a probability function over records, the loop's report,
the Platt scaling it baked in and what `log_run` saves. The fused recipe is `fusion_train.fuse`.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from finrisk import progress
from finrisk.features.serialize import to_text
from finrisk.models.calibrate import Platt, bake_platt, fit_platt
from finrisk.models.evaluate import evaluate
from finrisk.models.loop import fit, predict_proba

log = logging.getLogger(__name__)


@dataclass
class Trained:
    """A recipe's outcome: a probability function over records, the loop's report and what to log."""

    predict: Callable[[list], np.ndarray]
    fitted: object
    platt: Platt
    save: dict
    extra: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def class_weights(labels: list[int], k: int) -> list[float]:
    """Inverse class frequencies, normalised so a balanced set weighs 1 per class."""
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


def finetune(spec, backbone, args, texts, labels, device) -> Trained:
    """Fine-tune the whole encoder with its classification head (news)."""
    primary = spec.primary_metric
    steps = args.max_steps if args.max_steps > 0 else args.epochs * math.ceil(len(texts["train"]) / args.batch_size)
    progress.emit("train_work", model=spec.registered_name, unit="fine-tuning steps", work=steps)

    def predict(records_texts: list[str]) -> np.ndarray:
        return predict_proba(
            backbone.model, backbone.tokenizer, records_texts, args.max_length, args.eval_batch_size, device
        )

    def validate() -> float:
        probs = predict(texts["validation"])
        return float(np.nan_to_num(evaluate(labels["validation"], probs, spec.positive_index)[primary], nan=0.0))

    weights = class_weights(labels["train"], spec.num_labels) if spec.class_weighted else None
    fitted = fit(backbone.model, backbone.tokenizer, texts["train"], labels["train"], args, device, validate, weights)
    if weights:
        undo_class_weights(backbone.model, weights)
    platt = Platt(1.0, 0.0)
    if spec.is_binary:
        platt = fit_platt(predict(texts["validation"]), labels["validation"], spec.positive_index)
        if not bake_platt(backbone.model, platt, spec.positive_index):
            platt = Platt(1.0, 0.0)
    return Trained(
        predict=lambda records: predict([to_text(r.fields) for r in records]),
        fitted=fitted,
        platt=platt,
        save={"backbone": backbone},
    )
