"""The fused recipe (credit, fraud): a frozen encoder's vectors, computed once, beside the tabular attributes.

The head starts from the best baseline (`pick_start`), trains on the cached vectors
(`fusion.train_head`), and the Platt scaling of validation is baked into it; the model itself
(`FusionHead`, `FusedModel`) lives in `fusion.py`.
"""

from __future__ import annotations

import time

import numpy as np

from finrisk import progress
from finrisk.features.serialize import without_lines
from finrisk.models import fusion
from finrisk.models.calibrate import Platt, fit_platt
from finrisk.models.recipes import Trained
from finrisk.models.tabular import raw_row

PARTS = ("train", "validation", "holdout")


def fuse(
    spec,
    backbone,
    args,
    split,
    texts,
    labels,
    device,
    tabular_encoder,
    baselines,
    shift: float = 0.0,
    embedding_cache: dict | None = None,
) -> Trained:
    """Frozen encoder, embeddings computed once, the fused head trained from the best baseline start; `shift` is
    the prior correction of a sampled training set, folded into the Platt intercept. `embedding_cache` (text ->
    vector, for one base model) lets repeated runs on the same data (a seed spread) embed once."""
    from sklearn.metrics import roc_auc_score

    from finrisk.models.quantize import inference_encoder

    encoder = backbone.model.base_model.to(device)
    started = time.perf_counter()
    # Embed with the encoder scoring will run (int8 on CPU): the head learns on the vectors it will be fed.
    embedder = inference_encoder(encoder, device, args.cpu_int8)
    # each distinct text once: slow text repeats (a customer's snapshots, a merchant's transactions)
    cache = embedding_cache if embedding_cache is not None else {}
    wide_only = (
        tuple(dict.fromkeys(k for r in split.train for k in r.meta.get("wide_only", ()))) if args.slow_text else ()
    )
    encoder_texts = {name: [without_lines(t, wide_only) for t in texts[name]] for name in PARTS}
    progress.emit(
        "train_work",
        model=spec.registered_name,
        unit="texts to embed",
        work=len({t for name in PARTS for t in encoder_texts[name]} - cache.keys()),
    )
    embeddings = {
        name: fusion.embed_cached(
            embedder,
            backbone.tokenizer,
            encoder_texts[name],
            args.max_length,
            args.eval_batch_size,
            device,
            cache,
            lambda k: progress.emit("embedded", model=spec.registered_name, texts=k),
        )
        for name in PARTS
    }
    embed_seconds = time.perf_counter() - started
    tree = baselines.hgb if args.stack_tree and spec.positive_index == 1 else None
    rows = {name: [raw_row(r) for r in getattr(split, name)] for name in PARTS}
    oof = None
    if tree is not None:
        x_train = tabular_encoder.transform(rows["train"])
        oof = fusion.out_of_fold_logits(x_train, labels["train"], spec.positive_index, args.seed)
    head = fusion.make_head(
        len(tabular_encoder.columns) + (tree is not None),
        embeddings["train"].shape[1],
        args.wide_features,
        args.head_hidden,
    )
    set_text_scale(head, embeddings["train"])
    fused = fusion.FusedModel(
        encoder.to("cpu"),
        backbone.tokenizer,
        tabular_encoder,
        head,
        args.max_length,
        args.wide_features,
        spec.classes,
        spec.positive_index,
        tree,
        args.cpu_int8,
        wide_only,
        fusion.encoder_fingerprint(encoder, backbone.tokenizer, args.max_length),
    )
    inputs = {
        name: fused.inputs(
            texts[name], rows[name], embeddings=embeddings[name], tree_logits=oof if name == "train" else None
        )
        for name in PARTS
    }
    y_val = (np.asarray(labels["validation"]) == spec.positive_index).astype(int)

    def validate() -> float:
        return float(roc_auc_score(y_val, fused.logits(*inputs["validation"])))

    extra = {"embed_seconds": embed_seconds, "tabular_columns": float(len(tabular_encoder.columns))}
    start = pick_start(
        head,
        baselines.lr,
        inputs["train"][0].numpy() if tree is not None else None,
        labels["train"],
        args.seed,
        validate,
        extra,
    )
    fitted = fusion.train_head(
        head,
        inputs["train"],
        labels["train"],
        validate,
        epochs=args.head_epochs,
        batch_size=max(args.batch_size, 64),
        learning_rate=args.fusion_learning_rate,
        weight_decay=args.head_weight_decay,
        patience=args.patience + 3,
        seed=args.seed,
        positive_index=spec.positive_index,
    )
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
    return Trained(
        predict=predict, fitted=fitted, platt=platt, save={"fused": fused}, extra=extra, tags={"head_start": start}
    )


def pick_start(head, lr_model, train_tab: np.ndarray | None, train_labels, seed: int, validate, extra: dict) -> str:
    """Set the head's tabular part to its best start on validation: the LR baseline, or (with a tree column) LR
    stacked over the tabular vector and the out-of-fold tree logit; LR wins ties."""
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


def set_text_scale(head, train_embeddings: np.ndarray) -> None:
    """Standardise the text vectors inside the head, with the training split's mean and spread."""
    import torch

    with torch.no_grad():
        head.text_mean.copy_(torch.tensor(train_embeddings.mean(0)))
        head.text_std.copy_(torch.tensor(train_embeddings.std(0) + 1e-6))
