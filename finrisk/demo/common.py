"""Shared pieces of demo generation: the time window, seeded random streams, id and time text.

Times are carried as int64 seconds since the Unix epoch (UTC) until the last moment,
when they become ISO 8601 text for COPY. Each part of the generator draws from its own
named stream, so adding draws to one part never changes another part's rows.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

DAY = 86_400


@dataclass(frozen=True)
class Window:
    """The transaction window: `days` whole UTC days ending with `end_date` (inclusive)."""

    end_date: date
    days: int

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=self.days - 1)

    @property
    def start(self) -> int:
        """First second of the window (epoch seconds)."""
        return int(datetime.combine(self.start_date, time(), UTC).timestamp())

    @property
    def end(self) -> int:
        """First second after the window (epoch seconds, exclusive)."""
        return self.start + self.days * DAY


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for one part of the data, fixed by the seed and the part's name."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))


def iso_times(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds as ISO 8601 UTC text ('2026-01-31T09:15:02Z'), an object array."""
    text = np.datetime_as_string(np.asarray(seconds, dtype="int64").astype("datetime64[s]"), unit="s", timezone="UTC")
    return text.astype(object)


def iso_dates(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds as ISO dates ('2026-01-31'), an object array."""
    text = np.datetime_as_string(np.asarray(seconds, dtype="int64").astype("datetime64[s]"), unit="D")
    return text.astype(object)


def ids(prefix: str, count: int, width: int) -> np.ndarray:
    """Sequential identifiers such as C0000001 (1-based), an object array."""
    numbers = np.arange(1, count + 1).astype(f"U{width}")
    return np.char.add(prefix, np.char.zfill(numbers, width)).astype(object)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def pick(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    """Indices drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())
