"""PNG plots for MLflow and the validation report: ROC, precision-recall, calibration, score by class."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 3.6), dpi=100)
    return plt, fig, ax


def write_plots(
    y: np.ndarray, score: np.ndarray, baseline: np.ndarray | None, out_dir: Path, positive: str
) -> dict[str, Path]:
    """Write the four plots of the adverse class (one-vs-rest) and return name -> path."""
    from sklearn.metrics import precision_recall_curve, roc_curve

    out_dir.mkdir(parents=True, exist_ok=True)
    y, score = np.asarray(y, dtype=int), np.asarray(score, dtype=float)
    paths: dict[str, Path] = {}
    curves = [("model", score)] + ([("baseline", np.asarray(baseline))] if baseline is not None else [])

    plt, fig, ax = _figure()
    for label, s in curves:
        fpr, tpr, _ = roc_curve(y, s)
        ax.plot(fpr, tpr, label=label)
    ax.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC ({positive})")
    ax.legend(loc="lower right")
    paths["roc"] = out_dir / "roc.png"

    def save(name: str) -> None:
        fig.tight_layout()
        fig.savefig(paths[name])
        plt.close(fig)

    save("roc")
    plt, fig, ax = _figure()
    for label, s in curves:
        precision, recall, _ = precision_recall_curve(y, s)
        ax.plot(recall, precision, label=label)
    ax.axhline(y.mean(), color="k", ls="--", lw=0.8)
    ax.set(xlabel="recall", ylabel="precision", title=f"precision-recall ({positive})")
    ax.legend(loc="upper right")
    paths["pr"] = out_dir / "precision_recall.png"
    save("pr")

    plt, fig, ax = _figure()
    edges = np.linspace(0, 1, 11)
    idx = np.clip(np.digitize(score, edges[1:-1], right=True), 0, 9)
    xs = [score[idx == b].mean() for b in range(10) if (idx == b).any()]
    ys = [y[idx == b].mean() for b in range(10) if (idx == b).any()]
    ax.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax.plot(xs, ys, "o-")
    ax.set(xlabel="mean predicted", ylabel="observed rate", title="calibration")
    paths["calibration"] = out_dir / "calibration.png"
    save("calibration")

    plt, fig, ax = _figure()
    for cls, name in ((0, "other"), (1, positive)):
        if (y == cls).any():
            ax.hist(score[y == cls], bins=20, range=(0, 1), alpha=0.6, density=True, label=name)
    ax.set(xlabel="score", ylabel="density", title="score distribution by class")
    ax.legend()
    paths["score_distribution"] = out_dir / "score_distribution.png"
    save("score_distribution")
    return paths
