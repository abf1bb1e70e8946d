"""Out-of-time split: train on the past, stop early on the next slice, report on the latest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finrisk.errors import FinriskError
from finrisk.features.records import Record
from finrisk.models.specs import as_utc


@dataclass
class Split:
    """Three time-ordered slices; no example time appears in two of them."""

    train: list[Record]
    validation: list[Record]
    holdout: list[Record]

    def fingerprint(self, positive: int = 1) -> dict:
        """Row counts, date ranges and the adverse-class rate per slice: no personal data."""
        out = {}
        for name in ("train", "validation", "holdout"):
            rows = getattr(self, name)
            times = [as_utc(r.meta["time"]) for r in rows]
            labels = [r.meta["label"] for r in rows]
            out[name] = {
                "rows": len(rows),
                "from": min(times).isoformat() if times else None,
                "to": max(times).isoformat() if times else None,
                "label_counts": {str(k): labels.count(k) for k in sorted(set(labels))},
                "label_rate": (sum(1 for x in labels if x == positive) / len(labels)) if labels else None,
            }
        return out


def split_by_time(records: Sequence[Record], validation_share: float, holdout_share: float) -> Split:
    """Cut at distinct example times so that the latest `holdout_share` of rows is the holdout."""
    if not records:
        raise FinriskError("no training examples: the clean staging tables hold no labelled rows")
    classes = {r.meta["label"] for r in records}
    if len(classes) < 2:
        raise FinriskError(
            f"all {len(records)} labelled examples have a single class ({classes.pop()}): nothing to learn"
        )
    rows = sorted(records, key=lambda r: (as_utc(r.meta["time"]), r.key))
    times = sorted({as_utc(r.meta["time"]) for r in rows})
    if len(times) < 3:
        raise FinriskError(f"only {len(times)} distinct example time(s): an out-of-time split needs at least 3")

    def cut_at(share: float) -> int:
        # The first distinct time at or after the row at this quantile.
        t = as_utc(rows[min(len(rows) - 1, int(len(rows) * (1 - share)))].meta["time"])
        return times.index(t)

    h = max(2, cut_at(holdout_share))
    v = min(max(1, cut_at(holdout_share + validation_share)), h - 1)
    t_val, t_hold = times[v], times[h]
    split = Split(
        train=[r for r in rows if as_utc(r.meta["time"]) < t_val],
        validation=[r for r in rows if t_val <= as_utc(r.meta["time"]) < t_hold],
        holdout=[r for r in rows if as_utc(r.meta["time"]) >= t_hold],
    )
    for name in ("train", "validation", "holdout"):
        if len({r.meta["label"] for r in getattr(split, name)}) < 2:
            raise FinriskError(
                f"the {name} slice ({len(getattr(split, name))} rows) has a single class: "
                "need both outcomes in every time slice"
            )
    return split
