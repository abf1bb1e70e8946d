"""reference.json: the score and numeric-input distributions a version's nightly PSI compares against.

Format (docs/CONTRACTS.md): {"score": {"edges": [...], "shares": [...]}, "inputs": {name: {...}}, "n": rows}.
`edges` has one more entry than `shares`; the first and last edges are the observed min and
max, so a scoring value outside them belongs to the first or last bin. The training step adds what
the rows are (`finrisk.training.reference`): "population" ("scored": the population the nightly
scoring of the as-of date reads; "training sample" with a "fallback" reason when that was empty),
"as_of", "window" {"start", "end", "days"}, "population_rows" and "sample".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def distribution(values: Sequence[float], bins: int = 10) -> dict:
    """Quantile bins (deduplicated edges) and the share of values in each."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return {"edges": [0.0, 1.0], "shares": [1.0]}
    edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)))
    if len(edges) == 1:
        return {"edges": [float(edges[0]), float(edges[0])], "shares": [1.0]}
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(idx, minlength=len(edges) - 1)
    return {"edges": [float(e) for e in edges], "shares": [float(c) / len(x) for c in counts]}


def build_reference(scores: Sequence[float], numeric: Sequence[dict]) -> dict:
    """The reference of the adverse-class score and every numeric input."""
    names = sorted({k for row in numeric for k in row})
    return {
        "score": distribution(scores),
        "inputs": {name: distribution([row.get(name, np.nan) for row in numeric]) for name in names},
        "n": len(scores),
    }
