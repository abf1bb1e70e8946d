"""Benchmark: records/s of the reason-code path against plain scoring, and a faster method's agreement.

Run: `python bench/reasons.py --records 200`

Same demo credit records, model and Scorer as bench/score.py (packaged MiniLM, probe-fitted
head, int8 on CPU through the loading hook). Timed best-of-3 in this process:
- plain: `Scorer.predict_proba` on every record;
- reasons (band C or worse): plain scoring, then occlusion (`finrisk.scoring.reasons.explain_batch`,
  one re-score per field group) for the records whose PD falls in FINRISK_SCORING__REASON_MIN_BAND
  or worse, as nightly scoring does;
- reasons (all): occlusion for every record (the worst case: every customer in band C or worse);
- gradient x input: one float32 forward + backward per record, the token saliencies summed per
  occlusion group; a candidate faster method. Its top reason is compared with occlusion's.
The last line is the key ratio: cost of scoring with reason codes (band C or worse) over scoring alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import best_of_interleaved, quiet, table  # noqa: E402
from score import demo_model, finrisk_scorer  # noqa: E402


def field_spans(fields: dict) -> list[tuple[str, int, int]]:
    """(key, start, end) character span of each field's line in `to_text(fields)` (empty fields have none)."""
    from finrisk.features.serialize import to_text

    spans, at = [], 0
    for line in to_text(fields).split("\n"):
        key = line.split(": ", 1)[0]
        spans.append((key, at, at + len(line)))
        at += len(line) + 1
    return spans


def gradient_reasons(model, tokenizer, fields_list, max_length: int, max_groups: int, batch_size: int = 16) -> list:
    """Top occlusion group per record by gradient x input on the word embeddings (None when none is positive)."""

    from finrisk.features.serialize import to_text
    from finrisk.scoring.reasons import field_groups

    out = []
    embeddings = model.get_input_embeddings()
    model.eval()
    for start in range(0, len(fields_list), batch_size):
        chunk = fields_list[start : start + batch_size]
        enc = tokenizer(
            [to_text(f) for f in chunk],
            truncation=True,
            max_length=max_length,
            padding=True,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = enc.pop("offset_mapping")
        inputs = embeddings(enc["input_ids"]).detach().requires_grad_(True)
        logits = model(
            inputs_embeds=inputs, attention_mask=enc["attention_mask"], token_type_ids=enc.get("token_type_ids")
        ).logits
        (logits[:, 1] - logits[:, 0]).sum().backward()
        saliency = (inputs.grad * inputs).sum(-1).detach()
        for row, fields in enumerate(chunk):
            spans = field_spans(fields)
            score = {key: 0.0 for key, _, _ in spans}
            for tok, (a, b) in enumerate(offsets[row].tolist()):
                if b <= a:
                    continue  # special and padding tokens
                for key, s, e in spans:
                    if s <= a < e:
                        score[key] += float(saliency[row, tok])
                        break
            groups = field_groups(list(fields), max_groups)
            ranked = sorted(((sum(score.get(k, 0.0) for k in g), "+".join(g)) for g in groups), reverse=True)
            out.append(ranked[0][1] if ranked and ranked[0][0] > 0 else None)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--probe-records", type=int, default=600)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--base-model", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    quiet()
    import numpy as np
    import torch

    from finrisk.bands import band_rank, risk_band
    from finrisk.config import ScoringSettings
    from finrisk.features.serialize import to_text
    from finrisk.scoring.reasons import explain_batch

    cfg = ScoringSettings()
    device = torch.device("cpu")
    demo = demo_model(args.records, args.probe_records, args.base_model, args.max_length, device)
    scorer = finrisk_scorer(demo.model, demo.tokenizer, args.max_length, device, int8=True)
    fields = [r.fields for r in demo.records]
    n = len(fields)

    def adverse(texts):
        return np.asarray(scorer.predict_proba(texts, args.batch_size))[:, 1]

    def explain(indices, base):
        return explain_batch(
            [fields[i] for i in indices],
            base[indices],
            lambda v: adverse([to_text(x) for x in v]),
            cfg.reason_codes,
            cfg.reason_max_fields,
        )

    floor = band_rank(cfg.reason_min_band)
    base = adverse(demo.texts)
    wanted = [i for i, p in enumerate(base) if band_rank(risk_band(float(p), cfg.band_cutoffs)) >= floor]

    def plain():
        return adverse(demo.texts)

    def banded():
        b = adverse(demo.texts)
        return explain(wanted, b)

    def everyone():
        b = adverse(demo.texts)
        return explain(list(range(n)), b)

    def gradient():
        return gradient_reasons(demo.model, demo.tokenizer, fields, args.max_length, cfg.reason_max_fields)

    plain(), gradient()  # warm-up
    plain_s, banded_s = best_of_interleaved([plain, banded], args.repeats)
    all_s, grad_s = best_of_interleaved([everyone, gradient], max(1, args.repeats - 1))
    occlusion = [codes[0]["code"] if codes else None for codes in explain(list(range(n)), base)]
    fast = gradient()
    both = [(o, g) for o, g in zip(occlusion, fast) if o is not None]
    agree = sum(o == g for o, g in both) / len(both) if both else float("nan")
    mean_groups = float(np.mean([min(len(f), cfg.reason_max_fields) for f in fields])) if fields else 0.0
    result = {
        "records": n,
        "share_explained": len(wanted) / max(n, 1),
        "min_band": cfg.reason_min_band,
        "mean_groups": mean_groups,
        "plain_rps": n / plain_s,
        "banded_rps": n / banded_s,
        "all_rps": n / all_s,
        "gradient_rps": n / grad_s,
        "banded_cost": banded_s / plain_s,
        "all_cost": all_s / plain_s,
        "gradient_cost": (plain_s + grad_s) / plain_s,
        "top1_agreement": agree,
        "compared": len(both),
    }
    rows = [
        ("plain scoring (int8 Scorer)", f"{n / plain_s:,.1f}", "1.00x"),
        (
            f"+ occlusion, band {cfg.reason_min_band} or worse ({len(wanted)}/{n})",
            f"{n / banded_s:,.1f}",
            f"{banded_s / plain_s:.2f}x",
        ),
        ("+ occlusion, every record", f"{n / all_s:,.1f}", f"{all_s / plain_s:.2f}x"),
        (
            "+ gradient x input, every record (fp32)",
            f"{n / (plain_s + grad_s):,.1f}",
            f"{(plain_s + grad_s) / plain_s:.2f}x",
        ),
    ]
    print(
        f"reason codes on {n} demo credit records, mean {mean_groups:.1f} occlusion groups per record, "
        f"best of {args.repeats} (all-records rows: best of {max(1, args.repeats - 1)})"
    )
    print(table(rows, ("path", "records/s", "cost vs plain")))
    print(f"gradient x input top reason = occlusion top reason on {agree:.0%} of {len(both)} records with a reason")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print(
        f"reasons ratio cost(scoring + reason codes for band {cfg.reason_min_band} or worse)/cost(scoring): "
        f"{result['banded_cost']:.2f}x (target <= 3x); every record {result['all_cost']:.2f}x"
    )
    return result


if __name__ == "__main__":
    main()
