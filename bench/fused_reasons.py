"""Benchmark: reason codes of the fused credit model against scoring alone, and against full occlusion.

Run: `python bench/fused_reasons.py --customers 1500 --records 300`

A fused credit model is trained on the demo bank (`train_model`, the quick start's settings:
packaged MiniLM unless --base-model) and loaded by alias as nightly scoring loads it (int8 on
CPU). On `--records` of the score date's credit records, timed best-of-3 in this process:
- plain: one encoder pass per record and the head (`Scorer.embed_records` + `predict_records`);
- finrisk reasons: plain, then occlusion for band C or worse (FINRISK_SCORING__REASON_MIN_BAND)
  with each record's encoder vector reused (`scoring.stage._explain_some`, what `finrisk score`
  runs): a left-out field leaves the tabular vector, the tree and the hashed n-grams;
- full occlusion: the same records and groups, every occluded variant re-encoded (the method
  before), for the agreement check.
It prints the cost of each against plain scoring, and how often finrisk's top reason equals full
occlusion's and how much their top-3 sets overlap. The last line is the key ratio.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import END_DATE, best_of_interleaved, credit_texts, load_demo, quiet, scratch, table  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1500)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--base-model", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    quiet()
    import numpy as np

    from finrisk.bands import band_rank, risk_band
    from finrisk.config import GateSettings, ScoringSettings
    from finrisk.models.args import TrainArgs
    from finrisk.registry.client import get_version, load_scorer
    from finrisk.scoring import stage
    from finrisk.training.train import train_model

    cfg = ScoringSettings()
    with scratch("freasons") as settings:
        load_demo(settings, args.customers, args.days)
        settings = settings.model_copy(update={"gate": GateSettings(min_auc=0.0, max_calibration_error=1.0)})
        result = train_model(settings, "credit", TrainArgs.from_settings(settings, base_model=args.base_model))
        scorer = load_scorer(settings, get_version(settings, "credit", result.version))
        records = credit_texts(settings, END_DATE, limit=args.records)
    n, bs = len(records), args.batch_size

    def plain():
        emb = scorer.embed_records(records, bs)
        return emb, stage._adverse_records(scorer, records, bs, emb)

    emb, base = plain()
    floor = band_rank(cfg.reason_min_band)
    wanted = [i for i, p in enumerate(base) if band_rank(risk_band(float(p), cfg.band_cutoffs)) >= floor]

    def finrisk_reasons():
        e, b = plain()
        return stage._explain_some(records, b, wanted, stage._explainer(scorer, bs, e), cfg, with_profile=True)

    def full_occlusion():
        e, b = plain()
        return stage._explain_some(records, b, wanted, stage._explainer(scorer, bs, None), cfg, with_profile=True)

    plain_s, fast_s, full_s = best_of_interleaved([lambda: plain(), finrisk_reasons, full_occlusion], args.repeats)
    fast, full = finrisk_reasons(), full_occlusion()
    pairs = [(f, o) for f, o in zip(fast, full) if f and o]
    top1 = sum(f[0]["code"] == o[0]["code"] for f, o in pairs) / len(pairs) if pairs else float("nan")
    top3 = (
        float(
            np.mean(
                [
                    len({c["code"] for c in f[:3]} & {c["code"] for c in o[:3]}) / max(1, min(3, len(o)))
                    for f, o in pairs
                ]
            )
        )
        if pairs
        else float("nan")
    )
    rows = [
        ("plain scoring (encoder + head, int8 on CPU)", f"{n / plain_s:,.1f}", "1.00x"),
        (
            f"+ finrisk reasons, band {cfg.reason_min_band} or worse ({len(wanted)}/{n})",
            f"{n / fast_s:,.1f}",
            f"{fast_s / plain_s:.2f}x",
        ),
        (
            f"+ full occlusion (re-encode every variant), same {len(wanted)}",
            f"{n / full_s:,.1f}",
            f"{full_s / plain_s:.2f}x",
        ),
    ]
    print(
        f"fused credit v{result.version} (holdout AUC {result.metrics['auc']:.3f}) on {n} records of {END_DATE}, "
        f"best of {args.repeats}"
    )
    print(table(rows, ("path", "records/s", "cost vs plain")))
    print(f"top reason equal to full occlusion's on {top1:.0%} of {len(pairs)} records; top-3 overlap {top3:.0%}")
    print(
        f"fused reasons ratio cost(scoring + reasons, band {cfg.reason_min_band} or worse)/cost(scoring): "
        f"{fast_s / plain_s:.2f}x (target <= 3x); full occlusion {full_s / plain_s:.2f}x"
    )
    return {"plain_s": plain_s, "fast_s": fast_s, "full_s": full_s, "top1": top1, "top3": top3}


if __name__ == "__main__":
    main()
