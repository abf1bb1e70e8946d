"""Risk bands A (safest) .. E and the share bounds a day's population must respect.

A neutral module: scoring (which assigns bands) and monitoring (which reports band shares)
both import it, and neither imports the other for it.
"""

from __future__ import annotations

BANDS = ("A", "B", "C", "D", "E")


def band_rank(band: str) -> int:
    """0 for A (safest) .. 4 for E."""
    return BANDS.index(band)


def band_share_problem(band: str, in_band: int, total: int, min_share: float, max_share: float,
                       min_rows: int) -> str | None:
    """Why a band's share of the population is out of bounds, or None (also below min_rows customers)."""
    if not total or total < min_rows:
        return None
    share = in_band / total
    if share < min_share:
        return f"band {band} holds {share:.2%} of customers, below {min_share:.2%}"
    if share > max_share:
        return f"band {band} holds {share:.2%} of customers, above {max_share:.2%}"
    return None
