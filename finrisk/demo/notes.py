"""Relationship managers' notes: one to three short phrases, or none at all.

Which pool a phrase comes from leans on the customer's hidden risk score and past
arrears, but every pool is used across the whole book: "missed payments" appears for
customers who never default, and "stable salary" for some who do.
"""

from __future__ import annotations

import numpy as np

from finrisk.demo import phrases
from finrisk.demo.common import sigmoid

_POOLS = (phrases.NOTES_UP, phrases.NOTES_DOWN, phrases.NOTES_NEUTRAL)


def write_notes(rng: np.random.Generator, hidden: np.ndarray, arrears: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Notes text per customer (object array, None where the manager wrote nothing)."""
    count = len(hidden)
    has_notes = rng.random(count) < np.where(segment == 0, 0.62, 0.8)
    phrase_count = rng.integers(1, 4, count)
    p_up = sigmoid(-1.9 + 1.6 * hidden + 0.35 * np.minimum(arrears, 3))
    p_down = (1 - p_up) * sigmoid(-0.7 - 1.2 * hidden)
    u = rng.random((count, 3))
    pool = np.where(u < p_up[:, None], 0, np.where(u < (p_up + p_down)[:, None], 1, 2))
    choice = rng.integers(0, 1 << 30, (count, 3))
    n = rng.integers(2, 5, count)
    month = rng.integers(0, 12, count)
    country = rng.integers(0, len(phrases.NOTE_COUNTRIES), count)
    day = rng.integers(1, 29, count)
    out = np.empty(count, dtype=object)
    for i in np.flatnonzero(has_notes):
        parts = []
        seen = set()
        for k in range(phrase_count[i]):
            texts = _POOLS[pool[i, k]]
            text = texts[choice[i, k] % len(texts)]
            if text in seen:
                continue
            seen.add(text)
            parts.append(
                text.format(
                    n=n[i], month=phrases.MONTHS[month[i]], country=phrases.NOTE_COUNTRIES[country[i]], day=day[i]
                )
            )
        out[i] = "; ".join(parts) if len(parts) > 1 and rng_sep(choice[i, 0]) else ". ".join(parts)
    return out


def rng_sep(value: int) -> bool:
    """Managers differ in punctuation: some chain phrases with semicolons, some with full stops."""
    return bool((value >> 20) & 1)
