"""Benchmark: samples/s of finrisk's training step against a plain fp32 fixed-padding step, same data.

Run: `python bench/train.py --records 128 --steps 8 --batch-size 16`

Both start from the same packaged all-MiniLM-L6-v2 weights on the same demo credit records
and labels, best-of-3 in this process:
- finrisk: `finrisk.models.loop.fit`, the training loop `finrisk train` runs: AdamW with the
  encoder/head learning-rate groups, warm-up schedule, class-weighted cross-entropy, gradient
  clipping, length-grouped batches with dynamic padding; on CUDA its `Runtime` adds bf16
  autocast, torch.compile and steps of at least 256 examples (the plain loop keeps
  --batch-size). Its own
  `samples_per_second` (optimisation steps only, evaluation excluded) is reported.
- plain: float32, every text padded to --max-length, batches in arrival order, AdamW, plain
  cross-entropy, the same steps and batch size.
On CUDA the share of the bf16 roofline is printed (3x the forward FLOPs of the real tokens).
The last line is the key ratio.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import credit_labels, credit_texts, load_demo, quiet, scratch, table  # noqa: E402
from score import PEAK_BF16_TFLOPS, forward_flops, roofline_share  # noqa: E402


def plain_steps(model, tokenizer, texts, labels, steps: int, batch_size: int, max_length: int, device) -> float:
    """Samples/s of a plain fp32 loop padded to max_length, arrival order."""
    import torch

    model.to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    seen, started = 0, time.perf_counter()
    for step in range(steps):
        start = (step * batch_size) % len(texts)
        batch = list(range(start, min(start + batch_size, len(texts))))
        enc = tokenizer(
            [texts[i] for i in batch], truncation=True, max_length=max_length, padding="max_length", return_tensors="pt"
        ).to(device)
        loss = loss_fn(model(**enc).logits, torch.tensor([labels[i] for i in batch], device=device))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        seen += len(batch)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return seen / (time.perf_counter() - started)


def finrisk_steps(model, tokenizer, texts, labels, steps: int, batch_size: int, max_length: int, device) -> float:
    """Samples/s of finrisk.models.loop.fit for `steps` optimisation steps (its own measure)."""
    from finrisk.models.loop import fit

    args = SimpleNamespace(
        seed=42,
        max_length=max_length,
        batch_size=batch_size,
        epochs=1000,
        max_steps=steps,
        eval_every=steps,
        learning_rate=2e-4,
        head_learning_rate=2e-3,
        weight_decay=0.01,
        warmup_ratio=0.1,
        patience=0,
    )
    positives = max(sum(labels), 1)
    weights = [len(labels) / (2 * (len(labels) - positives)), len(labels) / (2 * positives)]
    return fit(
        model, tokenizer, texts, labels, args, device, validate=lambda: 0.0, class_weights=weights
    ).samples_per_second


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=128)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=192, help="TrainSettings.max_length on CPU")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--base-model", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peak-tflops", type=float, default=PEAK_BF16_TFLOPS)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    import torch

    from finrisk.features.serialize import to_text
    from finrisk.models.backbone import load_backbone
    from finrisk.models.loop import encode_lengths
    from finrisk.models.runtime import Runtime

    device = torch.device(args.device)
    with scratch("train") as settings:
        load_demo(settings, args.records)
        records = credit_texts(settings)
    by_key = credit_labels(args.records)
    texts = [to_text(r.fields) for r in records]
    labels = [by_key.get(r.key, 0) for r in records]
    backbone = load_backbone(args.base_model, 2, seed=42)
    base = backbone.model

    def fresh():
        return copy.deepcopy(base)

    plain = max(
        plain_steps(fresh(), backbone.tokenizer, texts, labels, args.steps, args.batch_size, args.max_length, device)
        for _ in range(args.repeats)
    )
    ours = max(
        finrisk_steps(fresh(), backbone.tokenizer, texts, labels, args.steps, args.batch_size, args.max_length, device)
        for _ in range(args.repeats)
    )
    tokens = encode_lengths(backbone.tokenizer, texts, args.max_length)
    step_rows = Runtime.for_device(device).train_batch(args.batch_size)  # CUDA: at least 256 per step, compiled
    result = {
        "records": len(texts),
        "steps": args.steps,
        "batch_size": args.batch_size,
        "finrisk_batch": step_rows,
        "max_length": args.max_length,
        "device": args.device,
        "model": backbone.name,
        "mean_tokens": sum(tokens) / max(len(tokens), 1),
        "plain_sps": plain,
        "finrisk_sps": ours,
        "ratio": ours / plain,
    }
    rows = [
        ("plain (fp32, pad to max, arrival order)", f"{plain:,.1f}"),
        (
            f"finrisk (loop.fit: length-grouped, dynamic padding, batch {step_rows}"
            f"{', bf16, compiled' if device.type == 'cuda' else ''})",
            f"{ours:,.1f}",
        ),
    ]
    if args.device == "cuda":
        per_sample = 3 * forward_flops(base, tokens) / len(tokens)
        result["roofline_share"] = roofline_share(per_sample * ours, 1.0, args.peak_tflops)
    print(
        f"training {args.steps} steps of batch {args.batch_size} on {len(texts)} demo credit records, mean "
        f"{result['mean_tokens']:.0f} tokens (max {args.max_length}), {backbone.name}, {args.device}, "
        f"{torch.get_num_threads()} threads, best of {args.repeats}"
    )
    print(table(rows, ("step", "samples/s")))
    if "roofline_share" in result:
        print(f"bf16 roofline share: {result['roofline_share']:.1%} of {args.peak_tflops:.0f} TFLOP/s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print(f"train ratio finrisk/plain: {result['ratio']:.2f}x samples/s")
    return result


if __name__ == "__main__":
    main()
