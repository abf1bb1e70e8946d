"""Benchmark: records/s of finrisk's scoring path against a naive loop, same process, same records.

Run: `python bench/score.py --records 1000 --max-length 256 --device cpu`

Records are the demo bank's real credit records on the score date (generated and ingested into
a throwaway database, serialized by the scoring path's own `spec.scoring_records` + `to_text`).
The model is the packaged all-MiniLM-L6-v2 with a classifier head fitted as a linear probe on
pooled float32 encodings of other demo customers (a full fine-tune costs ~20 minutes here),
so the holdout AUC compares something that ranks.

- naive: float32, every text padded to --max-length, batches in arrival order, torch.no_grad.
- finrisk: `Scorer.predict_proba`, the call the nightly scoring makes, on the pyfunc model after
  the loading hook (`finrisk.models.quantize.for_cpu_scoring`): int8 Linear layers on CPU,
  inference mode, batched as `finrisk.models.runtime.Runtime` says: on CPU one text per forward
  (unpadded; exact whatever the batch mates), on CUDA bf16 autocast, length-sorted batches of at
  least 4096 with dynamic padding, torch.compile (the warm-up call compiles).
Each path is timed best-of-3 in this process, the two paths taking turns (the machine is shared). On CUDA the share of
the bf16 roofline is printed: FLOPs from the model's non-embedding parameters and the real
token counts (plus attention), over the measured time, against --peak-tflops.
The last line is the key ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))
if TYPE_CHECKING:
    import numpy as np

from _warehouse import best_of_interleaved, credit_labels, credit_texts, load_demo, quiet, scratch, table  # noqa: E402

PEAK_BF16_TFLOPS = 989.0  # NVIDIA H100/H200 SXM dense bf16 (no sparsity), from the data sheet


def forward_flops(model, token_counts) -> float:
    """Forward FLOPs: 2 x non-embedding parameters per real token, plus attention scores and mixing."""
    params = sum(p.numel() for n, p in model.named_parameters() if "embeddings" not in n)
    cfg = model.config
    layers, hidden = cfg.num_hidden_layers, cfg.hidden_size
    flops = 0.0
    for n in token_counts:
        flops += 2.0 * params * n + 4.0 * layers * n * n * hidden
    return flops


def roofline_share(flops: float, seconds: float, peak_tflops: float = PEAK_BF16_TFLOPS) -> float:
    """Achieved FLOP/s over the peak, 0..1."""
    return flops / seconds / (peak_tflops * 1e12) if seconds > 0 else 0.0


def naive_predict(model, tokenizer, texts, max_length: int, batch_size: int, device) -> np.ndarray:
    """The baseline: fp32, padding to max_length, batches in arrival order."""
    import numpy as np
    import torch

    out = []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            enc = tokenizer(
                texts[start : start + batch_size],
                truncation=True,
                max_length=max_length,
                padding="max_length",
                return_tensors="pt",
            ).to(device)
            out.append(torch.softmax(model(**enc).logits.float(), -1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 2))


def fit_probe(model, tokenizer, texts, labels, max_length: int, device) -> None:
    """Set the classifier head to a logistic regression on the pooled float32 encodings."""
    import numpy as np
    import torch
    from sklearn.linear_model import LogisticRegression

    from finrisk.models.loop import encode_lengths, length_grouped_batches

    encoder = getattr(model, model.base_model_prefix)
    pooled = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for batch in length_grouped_batches(encode_lengths(tokenizer, texts, max_length), 64, None):
            enc = tokenizer(
                [texts[i] for i in batch], truncation=True, max_length=max_length, padding=True, return_tensors="pt"
            ).to(device)
            pooled[batch] = encoder(**enc).pooler_output.float().cpu().numpy()
    mean, std = pooled.mean(0), pooled.std(0) + 1e-6
    lr = LogisticRegression(C=0.05, max_iter=2000).fit((pooled - mean) / std, labels)
    coef = lr.coef_[0] / std  # the standardisation folded into the head's weights
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.weight[1] = torch.tensor(coef, dtype=torch.float32)
        model.classifier.bias[1] = float(lr.intercept_[0] - (coef * mean).sum())


def finrisk_scorer(model, tokenizer, max_length: int, device, int8: bool):
    """The Scorer that nightly scoring builds, around the pyfunc object, after the loading hook."""
    import copy

    from finrisk.models.pyfunc import TextClassifier
    from finrisk.models.quantize import for_cpu_scoring
    from finrisk.registry.client import ModelRef, Scorer

    classifier = TextClassifier()
    classifier.classes, classifier.positive_index, classifier.max_length = ["good", "default"], 1, max_length
    classifier.device, classifier.tokenizer = device, tokenizer
    classifier.model = copy.deepcopy(model).to(device).eval()
    for_cpu_scoring(classifier, enabled=int8)
    return Scorer(ModelRef("credit", "finrisk-credit", "bench", "bench"), classifier)


@dataclass
class Demo:
    """Timed demo records (texts, labels, Records) and the probe-fitted float32 model."""

    records: list
    texts: list
    labels: list
    model: object
    tokenizer: object
    backbone: object


def demo_model(n: int, probe_n: int, base_model: str | None, max_length: int, device) -> Demo:
    """n demo credit records to time, and the model with its head fitted on probe_n other customers."""
    from finrisk.features.serialize import to_text
    from finrisk.models.backbone import load_backbone

    customers = n + probe_n
    with scratch("score") as settings:
        load_demo(settings, customers)
        records = credit_texts(settings)
    labels_by_key = credit_labels(customers)
    texts = [to_text(r.fields) for r in records]
    labels = [labels_by_key.get(r.key, 0) for r in records]
    backbone = load_backbone(base_model, 2, seed=42)
    model, tokenizer = backbone.model.to(device).eval(), backbone.tokenizer
    if len(set(labels[n:])) == 2:
        fit_probe(model, tokenizer, texts[n:], labels[n:], max_length, device)
    return Demo(records[:n], texts[:n], labels[:n], model, tokenizer, backbone)


def auc(labels, probs) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, probs)) if len(set(labels)) == 2 else float("nan")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="records timed (the AUC holdout too)")
    parser.add_argument("--probe-records", type=int, default=1000, help="other customers the head is fitted on")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument(
        "--base-model", default=None, help="default: the packaged all-MiniLM-L6-v2; tiny-random for smoke runs"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-int8", action="store_true", help="finrisk path without the int8 lever")
    parser.add_argument("--sweep", default="", help="comma-separated batch sizes to time both paths at (plot data)")
    parser.add_argument("--peak-tflops", type=float, default=PEAK_BF16_TFLOPS)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    quiet()
    import torch

    from finrisk.models.loop import encode_lengths

    device = torch.device(args.device)
    demo = demo_model(args.records, args.probe_records, args.base_model, args.max_length, device)
    model, tokenizer, backbone = demo.model, demo.tokenizer, demo.backbone
    timed, timed_labels = demo.texts, demo.labels
    scorer = finrisk_scorer(model, tokenizer, args.max_length, device, int8=not args.no_int8)
    tokens = encode_lengths(tokenizer, timed, args.max_length)

    def run_naive(bs=args.batch_size):
        return naive_predict(model, tokenizer, timed, args.max_length, bs, device)

    def run_finrisk(bs=args.batch_size):
        return scorer.predict_proba(timed, bs)

    run_naive(), run_finrisk()  # warm-up: allocator, kernels, quantized weight packing
    n = len(timed)
    naive_s, finrisk_s = best_of_interleaved([run_naive, run_finrisk], args.repeats)
    naive_p, finrisk_p = run_naive()[:, 1], run_finrisk()[:, 1]
    naive_auc, finrisk_auc = auc(timed_labels, naive_p), auc(timed_labels, finrisk_p)
    from scipy.stats import spearmanr

    agreement = {
        "spearman": float(spearmanr(naive_p, finrisk_p)[0]) if n > 2 else float("nan"),
        "max_abs_diff": float(abs(naive_p - finrisk_p).max()) if n else 0.0,
    }
    result = {
        "records": n,
        "max_length": args.max_length,
        "batch_size": args.batch_size,
        "device": args.device,
        "model": backbone.name,
        "int8": bool(getattr(scorer.model, "is_int8", False)),
        "threads": torch.get_num_threads(),
        "mean_tokens": sum(tokens) / max(n, 1),
        "naive_rps": n / naive_s,
        "finrisk_rps": n / finrisk_s,
        "ratio": naive_s / finrisk_s,
        "naive_auc": naive_auc,
        "finrisk_auc": finrisk_auc,
        "positives": sum(timed_labels),
        **agreement,
        "sweep": [],
    }
    rows = [
        ("naive (fp32, pad to max, arrival order)", f"{n / naive_s:,.1f}", f"{naive_s:.2f}", f"{naive_auc:.4f}"),
        (
            f"finrisk (Scorer.predict_proba{', int8' if result['int8'] else ''})",
            f"{n / finrisk_s:,.1f}",
            f"{finrisk_s:.2f}",
            f"{finrisk_auc:.4f}",
        ),
    ]
    if args.device == "cuda":
        flops = forward_flops(model, tokens)
        result["roofline_share"] = roofline_share(flops, finrisk_s, args.peak_tflops)
        result["peak_tflops"] = args.peak_tflops
    for bs in [int(b) for b in args.sweep.split(",") if b.strip()]:
        sweep_naive, sweep_finrisk = best_of_interleaved([lambda: run_naive(bs), lambda: run_finrisk(bs)], args.repeats)
        result["sweep"].append({"batch_size": bs, "naive_rps": n / sweep_naive, "finrisk_rps": n / sweep_finrisk})

    print(
        f"scoring {n} demo credit records, mean {result['mean_tokens']:.0f} tokens (max {args.max_length}), "
        f"batch {args.batch_size}, {backbone.name}, {args.device}, {result['threads']} threads, best of {args.repeats}"
    )
    print(table(rows, ("path", "records/s", "best s", "holdout AUC")))
    for row in result["sweep"]:
        print(
            f"  batch {row['batch_size']:>4}: naive {row['naive_rps']:,.1f} rec/s, finrisk "
            f"{row['finrisk_rps']:,.1f} rec/s"
        )
    print(
        f"PD agreement with fp32: Spearman {agreement['spearman']:.4f}, max |diff| {agreement['max_abs_diff']:.4f}; "
        f"holdout has {sum(timed_labels)} defaults in {n}"
    )
    if "roofline_share" in result:
        print(f"bf16 roofline share: {result['roofline_share']:.1%} of {args.peak_tflops:.0f} TFLOP/s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print(f"score ratio finrisk/naive: {result['ratio']:.2f}x records/s; AUC delta {finrisk_auc - naive_auc:+.4f}")
    return result


if __name__ == "__main__":
    main()
