"""Risk bands A (safest) .. E, scorecard points, and the share bounds a day's population must respect.

A neutral module: scoring (which assigns bands) and monitoring (which reports band shares)
both import it, and neither imports the other for it. Points follow the usual scorecard
convention: `base` points at `odds` good:bad odds and `pdo` points to double the odds, so
points = base + pdo / ln 2 * ln(odds(pd) / odds).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

BANDS = ("A", "B", "C", "D", "E")


def band_rank(band: str) -> int:
    """0 for A (safest) .. 4 for E."""
    return BANDS.index(band)


def band_share_problem(
    band: str, in_band: int, total: int, min_share: float, max_share: float, min_rows: int
) -> str | None:
    """Why a band's share of the population is out of bounds, or None (also below min_rows customers)."""
    if not total or total < min_rows:
        return None
    share = in_band / total
    if share < min_share:
        return f"band {band} holds {share:.2%} of customers, below {min_share:.2%}"
    if share > max_share:
        return f"band {band} holds {share:.2%} of customers, above {max_share:.2%}"
    return None


_PD_FLOOR = 1e-9  # keeps ln(odds) finite at pd 0 or 1; the clamp below bounds the result anyway


def score_points(
    pd: float, base: int = 600, odds: float = 50.0, pdo: float = 20.0, lowest: int = 300, highest: int = 900
) -> int:
    """Scorecard points for a PD: higher is safer, rounded and clamped to [lowest, highest]."""
    p = min(max(float(pd), _PD_FLOOR), 1 - _PD_FLOOR)
    points = base + pdo / math.log(2) * math.log(((1 - p) / p) / odds)
    return int(min(max(round(points), lowest), highest))


def check_cutoffs(cutoffs: Sequence[float]) -> None:
    """Refuse band cut-offs that are not len(BANDS)-1 strictly increasing PDs in (0, 1)."""
    values = list(cutoffs)
    if len(values) != len(BANDS) - 1 or any(not 0 < v < 1 for v in values) or sorted(set(values)) != values:
        raise ValueError(f"band cut-offs {values} must be {len(BANDS) - 1} strictly increasing PDs in (0, 1)")


def risk_band(pd: float, cutoffs: Sequence[float]) -> str:
    """The band of a PD: A below the first cut-off, ..., E at or above the last."""
    return BANDS[bisect.bisect_right(list(cutoffs), float(pd))]
