"""The one training loop and the one prediction loop, shared by all three models.

Batches are padded to their own longest example and grouped by length (examples of similar
length share a batch, so little compute goes to padding). What differs by device (precision,
rows per forward, compilation) is asked of `finrisk.models.runtime.Runtime`: on CUDA bf16
autocast, large batches and torch.compile; on CPU float32 and one text per forward at
prediction time.
"""

from __future__ import annotations

import copy
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from finrisk import progress
from finrisk.models.runtime import Runtime

log = logging.getLogger(__name__)


def length_grouped_batches(lengths: Sequence[int], batch_size: int, rng: random.Random | None) -> list[list[int]]:
    """Index batches of similar length. With an rng (training), mega-batches of 50 batches are
    shuffled, sorted by length inside, and the batch order is shuffled; without one (prediction)
    all indices are sorted by length."""
    order = list(range(len(lengths)))
    if rng is None:
        order.sort(key=lambda i: lengths[i], reverse=True)
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(order)
    mega = batch_size * 50
    batches = []
    for start in range(0, len(order), mega):
        chunk = sorted(order[start : start + mega], key=lambda i: lengths[i], reverse=True)
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def encode_lengths(tokenizer, texts: Sequence[str], max_length: int) -> list[int]:
    """Token counts per text (truncated), computed with the fast tokenizer in one batch call."""
    enc = tokenizer(list(texts), truncation=True, max_length=max_length, add_special_tokens=True)
    return [len(ids) for ids in enc["input_ids"]]


def tokenize_once(tokenizer, texts: Sequence[str], max_length: int) -> tuple[dict, list[int]]:
    """Token ids of every text (truncated, unpadded) in one fast-tokenizer call, and their lengths."""
    enc = tokenizer(list(texts), truncation=True, max_length=max_length, add_special_tokens=True)
    return dict(enc), [len(ids) for ids in enc["input_ids"]]


def padded_batch(tokenizer, encoded: dict, batch: Sequence[int], device):
    """The texts at `batch`, padded to the batch's longest (from `tokenize_once`, never tokenized again)."""
    return tokenizer.pad({k: [v[i] for i in batch] for k, v in encoded.items()}, padding=True, return_tensors="pt").to(
        device
    )


def predict_proba(
    model,
    tokenizer,
    texts: Sequence[str],
    max_length: int,
    batch_size: int = 64,
    device=None,
    runtime: Runtime | None = None,
) -> np.ndarray:
    """Class probabilities, shape (n, num_labels), in the order of `texts`; batched as `runtime` (default: the
    device's) says, so on CPU a text's probabilities do not depend on the texts scored with it."""
    import torch

    device = device or next(model.parameters()).device
    runtime = runtime or Runtime.for_device(device)
    n_labels = model.config.num_labels
    out = np.zeros((len(texts), n_labels), dtype=np.float64)
    if not texts:
        return out
    model.eval()
    forward = runtime.prepare(model)
    encoded, lengths = tokenize_once(tokenizer, texts, max_length)
    with torch.inference_mode():
        for batch in length_grouped_batches(lengths, runtime.rows_per_forward(batch_size), rng=None):
            enc = padded_batch(tokenizer, encoded, batch, device)
            with runtime.autocast():
                logits = forward(**enc).logits
            out[batch] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
    return out


def param_groups(model, args) -> list[dict]:
    """The pretrained encoder at `learning_rate`; the freshly initialised classifier head at
    `head_learning_rate`, since it starts from random weights and must move much further."""
    head_names = {"classifier", "pre_classifier"}
    head, encoder = [], []
    for name, param in model.named_parameters():
        (head if name.split(".")[0] in head_names else encoder).append(param)
    head_lr = getattr(args, "head_learning_rate", 0) or args.learning_rate
    return [{"params": encoder, "lr": args.learning_rate}, {"params": head, "lr": head_lr}]


@dataclass
class FitResult:
    """What the loop did: steps, best validation score, timing and the history of evaluations."""

    steps: int = 0
    best_score: float = float("nan")
    best_step: int = 0
    stopped_early: bool = False
    seconds: float = 0.0
    samples_per_second: float = 0.0
    history: list[dict] = field(default_factory=list)


def fit(
    model,
    tokenizer,
    texts: Sequence[str],
    labels: Sequence[int],
    args,
    device,
    validate: Callable[[], float],
    class_weights: Sequence[float] | None = None,
    runtime: Runtime | None = None,
) -> FitResult:
    """Fine-tune in place; keeps the weights with the best `validate()` score (higher is better). Steps of
    `runtime.train_batch(args.batch_size)` examples (on CUDA at least 256, bf16, compiled)."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    rng = random.Random(args.seed)
    model.to(device)
    runtime = runtime or Runtime.for_device(device)
    forward = runtime.prepare(model)
    batch_size = runtime.train_batch(args.batch_size)
    lengths = encode_lengths(tokenizer, texts, args.max_length)
    per_epoch = math.ceil(len(texts) / batch_size)
    total = per_epoch * args.epochs if args.max_steps == -1 else min(per_epoch * args.epochs, args.max_steps)
    eval_every = args.eval_every or per_epoch
    optimizer = torch.optim.AdamW(param_groups(model, args), weight_decay=args.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * total), total)
    weight = torch.tensor(class_weights, dtype=torch.float32, device=device) if class_weights else None
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    label_tensor = torch.tensor(list(labels), dtype=torch.long)
    result, best_state, bad_evals, seen, eval_seconds = FitResult(), None, 0, 0, 0.0
    started = time.perf_counter()
    while result.steps < total and not result.stopped_early:
        for batch in length_grouped_batches(lengths, batch_size, rng):
            model.train()
            enc = tokenizer(
                [texts[i] for i in batch],
                truncation=True,
                max_length=args.max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            with runtime.autocast():
                logits = forward(**enc).logits
            loss = loss_fn(logits.float(), label_tensor[batch].to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            result.steps += 1
            seen += len(batch)
            if result.steps % eval_every == 0 or result.steps == total:
                eval_started = time.perf_counter()
                score = validate()
                eval_seconds += time.perf_counter() - eval_started
                result.history.append({"step": result.steps, "loss": float(loss.item()), "validation": score})
                progress.emit("fit_step", step=result.steps, loss=round(float(loss.item()), 4), validation=score)
                if best_state is None or score > result.best_score:
                    result.best_score, result.best_step, bad_evals = score, result.steps, 0
                    best_state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
                else:
                    bad_evals += 1
                    if bad_evals > args.patience:
                        result.stopped_early = True
                        break
            if result.steps >= total:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    result.seconds = time.perf_counter() - started
    train_seconds = result.seconds - eval_seconds  # throughput of the optimisation steps alone
    result.samples_per_second = seen / train_seconds if train_seconds > 0 else 0.0
    return result
