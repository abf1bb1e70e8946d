"""Band migration between two dates and concentration across bands (Herfindahl-Hirschman index)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from finrisk.bands import BANDS


def migration_matrix(before: Mapping[str, str], after: Mapping[str, str]) -> dict[tuple[str, str], int]:
    """Customers per (band before, band after) among those banded on both dates; every pair of bands present."""
    counts = {(a, b): 0 for a in BANDS for b in BANDS}
    for key, band in before.items():
        if key in after:
            counts[(band, after[key])] += 1
    return counts


def stability(counts: Mapping[tuple[str, str], int]) -> dict[str, float]:
    """Shares of the migrated customers that stayed, moved one band, or moved further (up or down)."""
    total = sum(counts.values())
    if not total:
        return {"stayed": float("nan"), "one_band": float("nan"), "further": float("nan")}
    steps = {pair: abs(BANDS.index(pair[0]) - BANDS.index(pair[1])) for pair in counts}
    stayed = sum(n for pair, n in counts.items() if steps[pair] == 0) / total
    one_band = sum(n for pair, n in counts.items() if steps[pair] == 1) / total
    return {"stayed": stayed, "one_band": one_band, "further": 1 - stayed - one_band}


def hhi(band_counts: Mapping[str, int]) -> float:
    """Herfindahl-Hirschman index of the band shares: 1/len(BANDS) when even, 1 when all in one band."""
    counts = np.array([band_counts.get(band, 0) for band in BANDS], dtype=float)
    total = counts.sum()
    return float(np.sum((counts / total) ** 2)) if total else float("nan")
