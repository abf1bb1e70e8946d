"""Benchmark: the fused credit model's scoring path against a naive loop, and int8 against float32 AUC.

Run: `python bench/fused_score.py --customers 1500 --records 600 --seeds 42,43,44,45,46`

On the demo bank (generated, ingested, validated in a throwaway database) the fused credit
model is trained twice with the quick start's settings, once embedding with the int8 encoder
that CPU scoring runs (the default) and once in float32 (`TrainArgs.cpu_int8=False`), and each
is loaded by alias as nightly scoring loads it. On `--records` of the score date's credit
records, best-of-3 in this process, the paths taking turns:
- naive: the float32 model's encoder, every text padded to --max-length, batches in arrival
  order, `torch.no_grad`, then the same head;
- finrisk float32 / finrisk int8: `Scorer.predict_records` (tokenized once, length-sorted
  batches padded to their own longest text, inference mode; int8 Linear layers for the int8 one);
- finrisk int8, next night: what `finrisk score` does on the night after the previous day's
  run: the stored encoder vectors (ops.text_embeddings) of the same customers' texts on the
  previous day are looked up by the hash of their encoder text (fields less the daily figures), only texts that
  changed are encoded, then the head.
  Each round starts from a store holding only the previous day's vectors.
It prints records/s and the holdout AUC of each model (out of time, same split), the share of
texts unchanged since the previous day, and as the last line the scoring path's speed-up over
naive (the next-night path: what a night costs) and the int8 AUC difference from float32.
With several `--seeds` each variant is trained once per training seed (the encoder's vectors are
computed once per variant and reused: a seed changes the head's initialisation and batch order)
and the AUC difference is the mean of the per-seed differences, with their standard deviation:
on a holdout of ~300 customers one seed's difference is mostly the head's training noise.
The timings use the first seed's models.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import END_DATE, best_of_interleaved, credit_texts, load_demo, quiet, scratch, table  # noqa: E402

NAIVE = "naive (float32, pad to max, arrival order)"
NEXT = "finrisk int8, next night (stored vectors)"


def naive_probs(scorer, records, max_length: int, batch_size: int):
    """Float32, padded to max_length, arrival order, no_grad: the same head on the same encoder."""
    import numpy as np
    import torch

    from finrisk.features.serialize import to_text
    from finrisk.models.tabular import raw_row

    fused = scorer._classifier.fused
    texts = [to_text(r.fields) for r in records]
    encoder_texts = fused.encoder_texts(texts)
    out = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            enc = fused.tokenizer(
                encoder_texts[start : start + batch_size],
                truncation=True,
                max_length=max_length,
                padding="max_length",
                return_tensors="pt",
            )
            hidden = fused.encoder(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            out.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy())
    emb = np.vstack(out) if out else np.zeros((0, fused.encoder.config.hidden_size), dtype=np.float32)
    return fused.to_probs(fused.logits(*fused.inputs(texts, [raw_row(r) for r in records], embeddings=emb)))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1500)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--records", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--base-model", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", default="42", help="comma-separated training seeds")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    quiet()
    from finrisk.config import GateSettings
    from finrisk.db.engine import get_engine
    from finrisk.models.args import TrainArgs
    from finrisk.quality import run_validation
    from finrisk.registry.client import get_version, load_scorer
    from finrisk.scoring.embedding_store import EmbeddingStore, text_sha256
    from finrisk.training.train import train_model

    runs, seed_auc = {}, {}
    with scratch("fscore") as settings:
        load_demo(settings, args.customers, args.days)
        run_validation(settings, END_DATE)
        settings = settings.model_copy(update={"gate": GateSettings(min_auc=0.0, max_calibration_error=1.0)})
        for name, int8 in (("int8", True), ("float32", False)):
            cache: dict = {}  # text -> vector of this variant's encoder, shared by its seeds
            for seed in seeds:
                result = train_model(
                    settings,
                    "credit",
                    TrainArgs.from_settings(settings, base_model=args.base_model, cpu_int8=int8, seed=seed),
                    embedding_cache=cache,
                )
                seed_auc.setdefault(name, []).append(result.metrics["auc"])
                if name not in runs:
                    runs[name] = (result, load_scorer(settings, get_version(settings, "credit", result.version)))
        records = credit_texts(settings, END_DATE, limit=args.records)
        keys = {r.key for r in records}
        yesterday = [r for r in credit_texts(settings, END_DATE - timedelta(days=1)) if r.key in keys]
        int8 = runs["int8"][1]
        # one store per round (its own encoder key), each holding only yesterday's vectors
        stored = dict(zip(map(text_sha256, int8.encoder_texts(yesterday)), int8.embed_records(yesterday, 64)))
        stores = []
        for k in range(args.repeats + 1):
            store = EmbeddingStore(get_engine(settings), "credit", int8.ref.version, f"bench-{k}")
            store._store(stored)
            stores.append(store)
        unchanged = sum(text_sha256(t) in stored for t in int8.encoder_texts(records)) / len(records)
        max_length, n, bs = runs["float32"][1].max_length, len(records), args.batch_size
        next_night = iter(stores)

        def stored_path():
            store = next(next_night)
            return int8.predict_records(records, bs, store.vectors(int8, records, bs))

        paths = {
            NAIVE: lambda: naive_probs(runs["float32"][1], records, max_length, bs),
            "finrisk float32": lambda: runs["float32"][1].predict_records(records, bs),
            "finrisk int8": lambda: int8.predict_records(records, bs),
            NEXT: stored_path,
        }
        for fn in paths.values():
            fn()  # warm-up
        seconds = dict(zip(paths, best_of_interleaved(list(paths.values()), args.repeats)))
    naive_s = seconds[NAIVE]
    auc = {
        NAIVE: runs["float32"][0].metrics["auc"],
        "finrisk float32": runs["float32"][0].metrics["auc"],
        "finrisk int8": runs["int8"][0].metrics["auc"],
        NEXT: runs["int8"][0].metrics["auc"],
    }
    rows = [(name, f"{n / s:,.1f}", f"{naive_s / s:.2f}x", f"{auc[name]:.4f}") for name, s in seconds.items()]
    print(
        f"fused credit model on {n} records of {END_DATE} (max_length {max_length}, batch {bs}), best of "
        f"{args.repeats}; holdout AUC of each trained model (n {runs['int8'][0].fingerprint['holdout']['rows']}); "
        f"{unchanged:.0%} of the texts unchanged since the day before"
    )
    print(table(rows, ("path", "records/s", "vs naive", "holdout AUC")))
    gain, cold = naive_s / seconds[NEXT], naive_s / seconds["finrisk int8"]
    diffs = [a - b for a, b in zip(seed_auc["int8"], seed_auc["float32"])]
    diff = statistics.fmean(diffs)
    spread = f" ± {statistics.stdev(diffs):.4f} (sd over seeds {args.seeds})" if len(diffs) > 1 else ""
    if len(seeds) > 1:
        print(
            table(
                [
                    (seed, f"{a:.4f}", f"{b:.4f}", f"{a - b:+.4f}")
                    for seed, a, b in zip(seeds, seed_auc["int8"], seed_auc["float32"])
                ],
                ("seed", "int8 AUC", "float32 AUC", "int8 - float32"),
            )
        )
    print(
        f"fused scoring ratio finrisk next night / naive: {gain:.2f}x (target 3x; first night, nothing stored: "
        f"{cold:.2f}x); holdout AUC int8 - float32 {diff:+.4f}{spread} (target within 0.005)"
    )
    return {"seconds": seconds, "auc": auc, "unchanged": unchanged, "seed_auc": seed_auc}


if __name__ == "__main__":
    main()
