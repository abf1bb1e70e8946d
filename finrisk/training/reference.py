"""The monitoring reference of a version trained as of a date: the population the nightly scoring reads.

The records come from `spec.scoring_records`, the very reader the nightly scoring step streams (same
examples SQL, same feature SQL, same builder), for the as-of date (credit: the customers scored that
night) or for a window of days ending on it (fraud: every transaction of the last 7 days, labelled or
not; news: the articles of the last 30 days, so the sample is not a handful). They are scored by the
newly trained model, so the reference's score and input distributions describe what PSI will compare
against night after night: like with like.

Time is bounded by `REFERENCE_CAP`: above it, the records of one hash shard of the keys are read (the
nightly shard rule, `mod(abs(hashtext(key)), n) = 0`, so the sample is reproducible) and, if still
above, a seeded draw keeps `REFERENCE_CAP` of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy.engine import Connection

from finrisk import progress
from finrisk.dates import end_of_day, start_of_day
from finrisk.features.records import Record, shard_params
from finrisk.features.stream import stream_rows
from finrisk.models.reference import build_reference
from finrisk.models.specs import ModelSpec

REFERENCE_CAP = 5000  # records scored for the reference at most (time), drawn reproducibly
REFERENCE_BATCH = 500  # records scored between two progress events


def window_days(spec: ModelSpec) -> int:
    """Days of nightly populations the reference pools: 1 for a model that scores a standing population."""
    return spec.reference_days if spec.daily_window else 1


def reference_date(as_of: date | None, records: list[Record]) -> date | None:
    """The date the reference describes: `as_of`, or (all staged) the date of the latest training row."""
    if as_of is not None:
        return as_of
    times = [r.meta["time"] for r in records if r.meta.get("time") is not None]
    if not times:
        return None
    latest = max(t if isinstance(t, datetime) else datetime(t.year, t.month, t.day) for t in times)
    return latest.date()


def _count(conn: Connection, spec: ModelSpec, day: date) -> int:
    """Rows the night of `day` scores, without building their features (the same parameters as
    `ModelSpec.scoring_records`)."""
    params = {"as_of": end_of_day(day), "day_start": start_of_day(day), **shard_params(None)}
    if not spec.daily_window:
        params.pop("day_start")
    return sum(1 for _ in stream_rows(conn, spec.scoring_sql, params))


def scored_population(
    conn: Connection, spec: ModelSpec, as_of: date, seed: int, cap: int = REFERENCE_CAP
) -> tuple[list[Record], dict]:
    """The records the nightly runs of the window ending on `as_of` score (at most `cap`, drawn reproducibly),
    and what they are: {"as_of", "window", "population_rows", "sample"}."""
    days = [as_of - timedelta(days=k) for k in range(window_days(spec) - 1, -1, -1)]
    total = sum(_count(conn, spec, day) for day in days)
    shards = max(1, math.ceil(total / cap)) if cap > 0 else 1
    shard = (0, shards) if shards > 1 else None
    records = [r for day in days for r in spec.scoring_records(conn, day, shard)]
    sample = "every scored row" if shard is None else f"hash shard 0 of {shards} of the keys"
    if len(records) > cap:
        picks = np.sort(np.random.default_rng(seed).choice(len(records), size=cap, replace=False))
        records = [records[i] for i in picks]
        sample += f", then {cap} drawn with seed {seed}"
    about = {
        "as_of": as_of.isoformat(),
        "window": {"start": days[0].isoformat(), "end": days[-1].isoformat(), "days": len(days)},
        "population_rows": total,
        "sample": sample,
    }
    return records, about


def scored_reference(
    conn: Connection,
    spec: ModelSpec,
    as_of: date,
    predict: Callable[[list], np.ndarray],
    seed: int,
    cap: int = REFERENCE_CAP,
) -> dict | None:
    """reference.json of the population scored on the window ending on `as_of`, scored by `predict` (the new
    model); None when that population is empty."""
    records, about = scored_population(conn, spec, as_of, seed, cap)
    if not records:
        return None
    # its own work on the training bar: scoring up to `cap` records takes minutes on a CPU, which a bar
    # standing at 100% would hide
    work = f"{spec.registered_name} monitoring reference"
    progress.emit("train_work", model=work, unit="reference records scored", work=len(records))
    parts = []
    for start in range(0, len(records), REFERENCE_BATCH):
        batch = records[start : start + REFERENCE_BATCH]
        parts.append(np.asarray(predict(batch), dtype=float))
        progress.emit("embedded", model=work, texts=len(batch))
    scores = np.concatenate(parts)[:, spec.positive_index]
    reference = build_reference(np.clip(scores, 0.0, 1.0), [r.meta.get("numeric", {}) for r in records])
    return {**reference, "population": "scored", **about}
