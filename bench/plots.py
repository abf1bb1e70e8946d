"""Draw the README's performance plots from the JSON the benchmarks write (--json).

Run: `python bench/plots.py --score score.json --nightly nightly.json --out docs/` (either one alone
redraws only its plot)

- docs/perf_score_batch_size.png: records/s against batch size, naive loop and finrisk path
  (from `bench/score.py --sweep ...`);
- docs/perf_nightly_steps.png: night wall-clock against customer count, stacked by step
  (from `bench/nightly.py`).
The last line names the files written (and the ratio line convention of bench/ holds: the
finrisk/naive ratio at the best batch size).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def score_plot(data: dict, path: Path) -> float:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sweep = sorted(data["sweep"], key=lambda r: r["batch_size"])
    sizes = [r["batch_size"] for r in sweep]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(sizes, [r["naive_rps"] for r in sweep], "o-", label="naive (fp32, pad to max, arrival order)")
    finrisk = (
        "finrisk (int8, one text per forward: the batch size does not apply)"
        if data["device"] == "cpu"
        else "finrisk (bf16, length-sorted, dynamic padding, compiled)"
    )
    ax.plot(sizes, [r["finrisk_rps"] for r in sweep], "o-", label=finrisk)
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.set_xlabel("batch size")
    ax.set_ylabel("records/s")
    ax.set_title(f"Scoring {data['records']} demo credit records, MiniLM, {data['device']} ({data['threads']} threads)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return max(r["finrisk_rps"] for r in sweep) / max(r["naive_rps"] for r in sweep)


def nightly_plot(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [s["next"] for s in data["sizes"]]  # the steady night: yesterday's encoder vectors stored
    # through Airflow (--airflow) the rest of the command's wall-clock is its own step
    steps = ("ingest", "validate", "score", "publish") + (("airflow",) if data.get("airflow") else ())
    x = [s["customers"] for s in data["sizes"]]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.stackplot(x, *[[s[step] for s in sizes] for step in steps], labels=steps, alpha=0.85)
    ax.plot(x, [s["night"] for s in sizes], "k.")
    ax.set_xlabel("customers")
    ax.set_ylabel("seconds")
    how = "through Airflow, " if data.get("airflow") else ""
    ax.set_title(f"Next night wall-clock by step ({how}{data['base_model']}, 2-core CPU)", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--score", type=Path, default=None)
    parser.add_argument("--nightly", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args(argv)
    if not (args.score or args.nightly):
        parser.error("give --score, --nightly or both")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.nightly:
        nightly_png = args.out / "perf_nightly_steps.png"
        nightly_plot(json.loads(args.nightly.read_text()), nightly_png)
        print(f"wrote {nightly_png}")
    if args.score:
        score_png = args.out / "perf_score_batch_size.png"
        ratio = score_plot(json.loads(args.score.read_text()), score_png)
        print(f"wrote {score_png}; plots ratio best finrisk/best naive records/s: {ratio:.2f}x")


if __name__ == "__main__":
    main()
