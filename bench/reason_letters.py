"""Demo: the band-E reasons a credit officer reads, and the proxy screen, on the demo bank.

Run: `python bench/reason_letters.py --customers 1500 --base-model tiny-random`

Loads the demo bank, trains the fused credit model (`train_model`, the quick start's settings;
packaged MiniLM unless --base-model), scores the end date's customers with the scoring path's own
reason codes (`scoring.stage._explain_some`, the bank's catalogue) and prints:
- the letter lines of the riskiest customers (band E first, up to --letters customers);
- the codes of band E with how many customers each (the columns of band_e_reasons_today.sql);
- the strongest rows of the proxy screen on the scored customers (inputs that predict a protected
  attribute or proxy);
- last, the protected reason ratio: band-E reasons naming a protected attribute or proxy; it must be 0.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _warehouse import END_DATE, credit_texts, load_demo, quiet, scratch, table  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1500)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--records", type=int, default=600)
    parser.add_argument("--letters", type=int, default=5)
    parser.add_argument("--base-model", default=None)
    args = parser.parse_args(argv)
    quiet()
    import numpy as np

    from finrisk.bands import risk_band
    from finrisk.config import GateSettings, ScoringSettings
    from finrisk.features.protected import current_policy
    from finrisk.models.args import TrainArgs
    from finrisk.models.proxy_screen import screen
    from finrisk.registry.client import get_version, load_scorer
    from finrisk.scoring import stage
    from finrisk.training.train import train_model

    cfg = ScoringSettings()
    with scratch("letters") as settings:
        load_demo(settings, args.customers, args.days)
        settings = settings.model_copy(update={"gate": GateSettings(min_auc=0.0, max_calibration_error=1.0)})
        result = train_model(settings, "credit", TrainArgs.from_settings(settings, base_model=args.base_model))
        scorer = load_scorer(settings, get_version(settings, "credit", result.version))
        records = credit_texts(settings, END_DATE, limit=args.records)
    emb = scorer.embed_records(records, cfg.batch_size)
    pd = stage._adverse_records(scorer, records, cfg.batch_size, emb)
    bands = [risk_band(float(p), cfg.band_cutoffs) for p in pd]
    wanted = [i for i in np.argsort(-pd) if bands[i] >= "D"]
    reasons = stage._explain_some(records, pd, wanted, stage._explainer(scorer, cfg.batch_size, emb), cfg, True)
    print(
        f"fused credit v{result.version} (holdout AUC {result.metrics['auc']:.3f}), {len(records)} customers of "
        f"{END_DATE}: {bands.count('E')} in band E"
    )
    for i in wanted[: args.letters]:
        print(f"\n{records[i].key}  band {bands[i]}  PD {pd[i]:.3f}")
        for k, r in enumerate(reasons[i] or [], 1):
            print(f"  {k}. {r['description']}   [{r['code']}]")
    band_e = [reasons[i] or [] for i in wanted if bands[i] == "E"]
    counts = Counter(r["code"] for found in band_e for r in found)
    text = {
        r["code"]: min(x["description"] for f in band_e for x in f if x["code"] == r["code"]) for f in band_e for r in f
    }
    drop = {c: np.mean([r["contribution"] for f in band_e for r in f if r["code"] == c]) for c in counts}
    print("\nband E by code (the columns of sql/queries/band_e_reasons_today.sql)")
    rows = [(c, text[c], n, f"{100 * n / len(band_e):.1f}", f"{drop[c]:.4f}") for c, n in counts.most_common()]
    print(table(rows, ("code", "example_text", "customers", "share_pct", "mean_pd_drop")))
    policy = current_policy()
    leaked = sum(policy.is_sensitive(i["input"]) for found in band_e for r in found for i in r["inputs"])
    print("\nproxy screen (scored customers, strongest first)")
    rows = screen([r.meta for r in records])[:8]
    print(table([tuple(r.values()) for r in rows], tuple(rows[0]) if rows else ()))
    print(
        f"\nprotected reason ratio: {leaked}/{sum(map(len, band_e))} band-E reasons name a protected attribute or proxy"
    )
    return {"band_e": len(band_e), "leaked": leaked, "codes": dict(counts)}


if __name__ == "__main__":
    main()
