"""The fused credit/fraud model: a frozen text encoder and the tabular vector in one head.

logit = [tabular, tree] · w_t + wide(text) · w_w + MLP(pooled encoder vector) + b

- `tree` is the logit of the fitted gradient-boosting baseline (HGB) on the same tabular
  vector: a stacked tree part, so interactions a linear head cannot express (the fraud
  behaviour windows) are in the head. In training its input is the out-of-fold logit, so
  the head does not learn to trust the tree's in-sample fit.
- The tabular part starts from the better of two fitted starts on validation: the LR
  baseline (tree weight 0) and LR stacked over the tabular vector and the out-of-fold tree
  logit (which keeps what the tree adds with a weight fitted on rows the tree never saw). The wide (hashed word
  n-grams of the text)
  and deep (encoder) parts start at zero, so step 0 *is* a baseline and early stopping on
  validation never keeps something worse than it.
- The encoder is frozen: each text is embedded once (mean pooling, as all-MiniLM-L6-v2 was
  trained) and the head trains on the cached vectors in seconds, so a CPU learns. The
  measurements behind that choice are in the README's Models section.
- `FusedModel` is what the MLflow pyfunc holds: the encoder, the tokenizer, the tabular
  encoder and the head; training and scoring call the same `predict_proba(records)`.
"""

from __future__ import annotations

import copy
import logging
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from finrisk.features.records import Record
from finrisk.features.serialize import to_text, without_lines
from finrisk.models.tabular import TabularEncoder, raw_row

log = logging.getLogger(__name__)
WIDE_FEATURES = 2**18
HEAD_ROWS = 256  # rows per head call at prediction time (FusedModel.logits)


def _padded(x):
    """A tensor of at most HEAD_ROWS rows, zero-padded to HEAD_ROWS."""
    import torch

    if len(x) == HEAD_ROWS:
        return x
    return torch.cat([x, x.new_zeros((HEAD_ROWS - len(x), *x.shape[1:]))])


def wide_matrix(texts: Sequence[str], n_features: int):
    """Hashed word 1-2-grams, L2-normalised (scipy CSR); stateless, so nothing to store but the size."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(n_features=n_features, ngram_range=(1, 2), alternate_sign=False, norm="l2").transform(
        list(texts)
    )


def _torch_sparse(matrix):
    import torch

    coo = matrix.tocoo()
    index = torch.tensor(np.vstack([coo.row, coo.col]), dtype=torch.long)
    return torch.sparse_coo_tensor(
        index, torch.tensor(coo.data, dtype=torch.float32), coo.shape, check_invariants=False
    ).coalesce()


def embed(
    encoder,
    tokenizer,
    texts: Sequence[str],
    max_length: int,
    batch_size: int = 64,
    device=None,
    progress: Callable[[int], None] | None = None,
    runtime=None,
) -> np.ndarray:
    """Mean-pooled last hidden states, (n, hidden), float32; inference mode, batched as the device's `Runtime`
    says (default: the device's; on CPU one text per forward, so a text's vector does not depend on the texts
    embedded with it);
    `progress(k)` after each batch of k texts."""
    import torch

    from finrisk.models.loop import length_grouped_batches, padded_batch, tokenize_once
    from finrisk.models.runtime import Runtime

    device = device or next(encoder.parameters()).device
    runtime = runtime or Runtime.for_device(device)
    out = np.zeros((len(texts), encoder.config.hidden_size), dtype=np.float32)
    if not len(texts):
        return out
    encoder.eval()
    forward = runtime.prepare(encoder)
    encoded, lengths = tokenize_once(tokenizer, texts, max_length)
    with torch.inference_mode():
        for batch in length_grouped_batches(lengths, runtime.rows_per_forward(batch_size), rng=None):
            enc = padded_batch(tokenizer, encoded, batch, device)
            with runtime.autocast():
                hidden = forward(**enc).last_hidden_state.float()
            mask = enc["attention_mask"].unsqueeze(-1).float()
            out[batch] = ((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).cpu().numpy()
            if progress:
                progress(len(batch))
    return out


def embed_cached(
    encoder,
    tokenizer,
    texts: Sequence[str],
    max_length: int,
    batch_size: int,
    device,
    cache: dict | None,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """`embed`, reading and filling `cache` (text -> vector) when given; the caller keeps one cache per encoder."""
    if cache is None:
        return embed(encoder, tokenizer, texts, max_length, batch_size, device, progress)
    missing = list(dict.fromkeys(t for t in texts if t not in cache))
    if missing:
        cache.update(zip(missing, embed(encoder, tokenizer, missing, max_length, batch_size, device, progress)))
    if not len(texts):
        return np.zeros((0, encoder.config.hidden_size), dtype=np.float32)
    return np.stack([cache[t] for t in texts])


def encoder_fingerprint(encoder, tokenizer, max_length: int) -> str:
    """SHA-256 of what a frozen encoder's vector of a text depends on: its weights (names, dtypes, shapes, bytes),
    its tokenizer's vocabulary and class, and the max_length texts are cut at."""
    import hashlib
    import json

    import torch

    digest = hashlib.sha256(f"max_length={max_length};{type(tokenizer).__name__};".encode())
    digest.update(json.dumps(sorted(tokenizer.get_vocab().items()), ensure_ascii=False).encode())
    for name, tensor in sorted(encoder.state_dict().items()):
        tensor = tensor.detach().to("cpu").contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


class FusionHead(torch.nn.Module):
    """logit = tabular · w_t + wide(text) · w_w + MLP(standardised encoder vector) + b; text and wide start at zero."""

    def __init__(self, tabular_dim: int, text_dim: int, wide_dim: int, hidden: int) -> None:
        super().__init__()
        self.tabular = torch.nn.Linear(tabular_dim, 1)
        self.register_buffer("text_mean", torch.zeros(text_dim))
        self.register_buffer("text_std", torch.ones(text_dim))
        self.deep_in = torch.nn.Linear(text_dim, hidden)
        self.deep_out = torch.nn.Linear(hidden, 1)
        self.wide = torch.nn.Parameter(torch.zeros(wide_dim, 1)) if wide_dim else None
        for p in (self.deep_out.weight, self.deep_out.bias):
            torch.nn.init.zeros_(p)

    def forward(self, tab, text, wide=None):
        z = self.tabular(tab) + self.deep_out(torch.relu(self.deep_in((text - self.text_mean) / self.text_std)))
        if self.wide is not None and wide is not None:
            z = z + torch.sparse.mm(wide, self.wide)
        return z.squeeze(-1)


def make_head(tabular_dim: int, text_dim: int, wide_dim: int, hidden: int) -> FusionHead:
    """The head module; text and wide parts start at zero."""
    return FusionHead(tabular_dim, text_dim, wide_dim, hidden)


@dataclass
class FusedModel:
    """Encoder + tokenizer + tabular encoder + head: class probabilities for records."""

    encoder: object
    tokenizer: object
    tabular: TabularEncoder
    head: object
    max_length: int
    wide_features: int
    classes: tuple[str, ...]
    positive_index: int
    tree: object = None  # the fitted HGB baseline whose logit is a head input, or None
    cpu_int8: bool = True  # scored on CPU with the int8 encoder it was trained on (finrisk.models.quantize)
    wide_only: tuple[str, ...] = ()  # lines of the text the encoder does not read (records' meta["wide_only"])
    encoder_sha256: str = ""  # encoder_fingerprint at training: what stored vectors are keyed by ("" = the version)

    def tabular_inputs(self, rows: Sequence[dict], tree_logits: np.ndarray | None = None) -> np.ndarray:
        """The tabular vector of raw rows, with the tree's logit as its last column when the head has one
        (`tree_logits` overrides it: the out-of-fold logits of the training split)."""
        x = self.tabular.transform(rows)
        if self.tree is None:
            return x
        if tree_logits is None:
            tree_logits = tree_logit(self.tree, x)
        return np.hstack([x, np.asarray(tree_logits, dtype=x.dtype).reshape(-1, 1)])

    def inputs(
        self,
        texts: Sequence[str],
        rows: Sequence[dict],
        batch_size: int = 64,
        embeddings: np.ndarray | None = None,
        tree_logits: np.ndarray | None = None,
    ):
        """(tabular, text embeddings, wide) for serialized texts and their raw tabular rows (wide: scipy CSR)."""
        import torch

        if embeddings is None:
            embeddings = embed(self.encoder, self.tokenizer, self.encoder_texts(texts), self.max_length, batch_size)
        tab = torch.tensor(self.tabular_inputs(rows, tree_logits), dtype=torch.float32)
        wide = wide_matrix(texts, self.wide_features) if self.wide_features else None
        return tab, torch.tensor(embeddings, dtype=torch.float32), wide

    def logits(self, tab, text, wide) -> np.ndarray:
        """The head's logits, in blocks of exactly HEAD_ROWS rows (the last one zero-padded): a float32 matmul's
        last bits depend on how many rows it is given, so a fixed block size makes a row's score independent of
        the batch it came in (shards, blocks, re-runs give equal rows; bench/shards.py)."""
        import torch

        self.head.eval()
        out = np.empty(len(tab), dtype=np.float64)
        with torch.inference_mode():
            for start in range(0, len(tab), HEAD_ROWS):
                stop = min(start + HEAD_ROWS, len(tab))
                t, x = _padded(tab[start:stop]), _padded(text[start:stop])
                w = None
                if wide is not None:
                    w = wide[start:stop].copy()
                    w.resize((HEAD_ROWS, w.shape[1]))
                    w = _torch_sparse(w)
                out[start:stop] = self.head(t, x, w)[: stop - start].double().numpy()
        return out

    def to_probs(self, z: np.ndarray) -> np.ndarray:
        p = 1 / (1 + np.exp(-z))
        out = np.empty((len(z), 2))
        out[:, self.positive_index], out[:, 1 - self.positive_index] = p, 1 - p
        return out

    def predict_raw(self, texts: Sequence[str], rows: Sequence[dict], batch_size: int = 64) -> np.ndarray:
        """(n, 2) probabilities for serialized texts and raw tabular rows, adverse class at `positive_index`."""
        if not len(texts):
            return np.zeros((0, 2))
        return self.to_probs(self.logits(*self.inputs(texts, rows, batch_size)))

    def encoder_texts(self, texts: Sequence[str]) -> list[str]:
        """What the encoder reads of each serialized text: all of it less the `wide_only` lines (daily figures,
        which only the n-grams and the tabular vector read)."""
        return [without_lines(t, self.wide_only) for t in texts]

    def embed_records(self, records: Sequence[Record], batch_size: int = 64) -> np.ndarray:
        """The encoder's pooled vectors of the records' encoder texts, (n, hidden)."""
        return embed(
            self.encoder,
            self.tokenizer,
            self.encoder_texts([to_text(r.fields) for r in records]),
            self.max_length,
            batch_size,
        )

    def predict_records(
        self, records: Sequence[Record], batch_size: int = 64, embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """(n, 2) probabilities for records: the encoder's vector of their encoder text, the n-grams of all their
        fields and the tabular vector of their meta.

        `embeddings` (from `embed_records`) skips the encoder: reason codes hold a record's encoder vector
        fixed while one of its fields is left out of the tabular vector, the tree and the n-grams."""
        if not len(records):
            return np.zeros((0, 2))
        texts = [to_text(r.fields) for r in records]
        if embeddings is None:
            embeddings = embed(self.encoder, self.tokenizer, self.encoder_texts(texts), self.max_length, batch_size)
        return self.to_probs(self.logits(*self.inputs(texts, [raw_row(r) for r in records], embeddings=embeddings)))

    def config(self) -> dict:
        """What rebuilds the head and the pre-processing at load time (JSON-safe)."""
        return {
            "tabular": self.tabular.to_dict(),
            "tabular_dim": int(self.head.tabular.in_features),
            "tree": self.tree is not None,
            "cpu_int8": self.cpu_int8,
            "wide_only": list(self.wide_only),
            "encoder_sha256": self.encoder_sha256,
            "text_dim": int(self.head.deep_in.in_features),
            "hidden": int(self.head.deep_in.out_features),
            "wide_features": self.wide_features,
            "max_length": self.max_length,
            "classes": list(self.classes),
            "positive_index": self.positive_index,
        }

    def save(self, folder) -> None:
        """encoder/ (Hugging Face), head.pt (state dict) and fusion.json, under `folder`."""
        import json
        from pathlib import Path

        import torch

        folder = Path(folder)
        self.encoder.to("cpu").save_pretrained(folder / "encoder")
        self.tokenizer.save_pretrained(folder / "encoder")
        torch.save(self.head.state_dict(), folder / "head.pt")
        if self.tree is not None:
            (folder / "tree.pkl").write_bytes(pickle.dumps(self.tree))
        (folder / "fusion.json").write_text(json.dumps(self.config()))

    @classmethod
    def load(cls, folder) -> FusedModel:
        """The inverse of `save`."""
        import json
        from pathlib import Path

        import torch
        from transformers import AutoModel, AutoTokenizer

        folder = Path(folder)
        cfg = json.loads((folder / "fusion.json").read_text())
        head = make_head(cfg["tabular_dim"], cfg["text_dim"], cfg["wide_features"], cfg["hidden"])
        head.load_state_dict(torch.load(folder / "head.pt", weights_only=True))
        encoder = AutoModel.from_pretrained(str(folder / "encoder"))
        tokenizer = AutoTokenizer.from_pretrained(str(folder / "encoder"))
        # the registry's own artifact, written by `save` (MLflow's sklearn flavour pickles the same way)
        tree = pickle.loads((folder / "tree.pkl").read_bytes()) if cfg.get("tree") else None
        return cls(
            encoder.eval(),
            tokenizer,
            TabularEncoder.from_dict(cfg["tabular"]),
            head.eval(),
            cfg["max_length"],
            cfg["wide_features"],
            tuple(cfg["classes"]),
            cfg["positive_index"],
            tree,
            cfg.get("cpu_int8", True),
            tuple(cfg.get("wide_only", ())),
            cfg.get("encoder_sha256", ""),
        )


@dataclass
class HeadFit:
    """What head training did: steps, best validation AUC (step 0 = the baseline), history, seconds."""

    steps: int = 0
    best_score: float = float("nan")
    best_step: int = 0
    step0_score: float = float("nan")
    seconds: float = 0.0
    stopped_early: bool = False
    history: list[dict] = field(default_factory=list)


def init_from_baseline(head, lr_model) -> None:
    """Copy the fitted logistic regression's weights into the head's tabular part (a missing trailing
    tree column gets weight 0)."""
    set_tabular(head, np.asarray(lr_model.coef_, dtype=np.float32).ravel(), float(np.ravel(lr_model.intercept_)[0]))


def set_tabular(head, weights: np.ndarray, bias: float) -> None:
    """The head's tabular weights (zero-padded to its width) and bias."""
    import torch

    w = np.zeros(head.tabular.in_features, dtype=np.float32)
    w[: len(weights)] = weights
    with torch.no_grad():
        head.tabular.weight.copy_(torch.tensor(w).reshape(1, -1))
        head.tabular.bias.fill_(bias)


def tree_logit(tree, x: np.ndarray) -> np.ndarray:
    """The fitted HGB's logit of the positive class for tabular rows."""
    return np.asarray(tree.decision_function(x), dtype=np.float64).ravel()


def out_of_fold_logits(
    x: np.ndarray, labels: Sequence[int], positive_index: int, seed: int, folds: int = 5
) -> np.ndarray:
    """HGB logits for the training rows from models that did not see them (stacking without leakage)."""
    from sklearn.model_selection import StratifiedKFold

    from finrisk.models.baseline import fit_hgb

    y = (np.asarray(labels) == positive_index).astype(int)
    out = np.zeros(len(y))
    folds = min(folds, int(np.bincount(y, minlength=2).min()))
    if folds < 2:
        return out
    for fit_idx, out_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        out[out_idx] = tree_logit(fit_hgb(x[fit_idx], y[fit_idx], seed), x[out_idx])
    return out


def starts(lr_model, stacked_lr) -> dict[str, tuple[np.ndarray, float]]:
    """The candidate starts of a head with a tree column: the LR baseline (tree weight 0), and LR stacked over the
    tabular vector and the out-of-fold tree logit. (The tree alone is not a candidate: picked on a small
    validation split it won by noise on one demo seed and lost 0.03 holdout AUC to LR.)"""
    return {
        "lr": (np.asarray(lr_model.coef_, dtype=np.float32).ravel(), float(np.ravel(lr_model.intercept_)[0])),
        "stacked": (np.asarray(stacked_lr.coef_, dtype=np.float32).ravel(), float(np.ravel(stacked_lr.intercept_)[0])),
    }


def train_head(
    head,
    train: tuple,
    labels: Sequence[int],
    validate: Callable[[], float],
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    weight_decay: float,
    patience: int,
    seed: int,
    positive_index: int,
) -> HeadFit:
    """Mini-batch Adam on the cached inputs; keeps the head with the best validation score (step 0 included)."""
    import torch

    tab, text, wide = train
    y = torch.tensor((np.asarray(labels) == positive_index).astype(np.float32))
    gen = torch.Generator().manual_seed(seed)
    # The tabular part starts at the baseline's optimum: it moves slowly. The wide part starts at
    # zero over many sparse columns: it moves fastest.
    groups = [
        {"params": list(head.tabular.parameters()), "lr": learning_rate * 0.1, "weight_decay": 0.0},
        {"params": [*head.deep_in.parameters(), *head.deep_out.parameters()], "lr": learning_rate},
    ]
    if head.wide is not None:
        groups.append({"params": [head.wide], "lr": learning_rate * 5})
    optimizer = torch.optim.AdamW(groups, lr=learning_rate, weight_decay=weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    result = HeadFit()
    started = time.perf_counter()
    best = result.step0_score = result.best_score = validate()
    result.history.append({"step": 0, "loss": float("nan"), "validation": best})
    best_state, bad = copy.deepcopy(head.state_dict()), 0
    for epoch in range(1, epochs + 1):
        head.train()
        order = torch.randperm(len(y), generator=gen)
        for start in range(0, len(y), batch_size):
            idx = order[start : start + batch_size]
            batch_wide = _torch_sparse(wide[idx.numpy()]) if wide is not None else None
            loss = loss_fn(head(tab[idx], text[idx], batch_wide), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            result.steps += 1
        score = validate()
        result.history.append({"step": result.steps, "epoch": epoch, "loss": float(loss.item()), "validation": score})
        if score > best + 1e-6:
            best, result.best_step, bad = score, result.steps, 0
            best_state = copy.deepcopy(head.state_dict())
        else:
            bad += 1
            if bad > patience:
                result.stopped_early = True
                break
    head.load_state_dict(best_state)
    result.best_score, result.seconds = best, time.perf_counter() - started
    return result


def bake_platt(head, slope: float, intercept: float) -> None:
    """Fold p = sigmoid(slope * z + intercept) into the head's last layers."""
    import torch

    with torch.no_grad():
        head.tabular.weight.mul_(slope)
        head.tabular.bias.mul_(slope).add_(intercept)
        head.deep_out.weight.mul_(slope)
        head.deep_out.bias.mul_(slope)
        if head.wide is not None:
            head.wide.mul_(slope)
