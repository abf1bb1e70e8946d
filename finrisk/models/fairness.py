"""Protected groups a reviewer can act on: banding, the four-fifths check and missing-attribute warnings.

- `protected_groups` gives each record's group values: the record's own groups (segment and short
  profile values) plus every protected attribute found in its attributes; a numeric value (an age)
  is banded with the configured edges (`settings.fairness.band_edges`), or at its quartiles when
  none are configured. A protected attribute that matches no key in any record is a warning.
- `flag_groups` recomputes each group's adverse-decision ratio against the attribute's reference
  group (the largest group by default) and flags every protected group outside
  [min_ratio, max_ratio] (four-fifths: 0.8 and 1.25), with its n.
- `assess` is what training uses: fairlearn's `MetricFrame` gives each protected group's selection
  (adverse-decision) rate, true- and false-positive rates and calibration (mean score against the
  observed rate); `flag_groups` flags the point ratios, and a smoothed bootstrap (`n_boot` draws of each
  group's rate from its Jeffreys Beta, `ratio_intervals`) gives each ratio's interval. A flagged group whose whole
  interval lies outside the band is a breach, which blocks promotion where `gate_refuse` is on (the
  default); a flagged group whose interval reaches into the band is a warning. `FairnessResult` gives the
  report's table, the run's metrics and the tags from the same lists, so they cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


def as_number(value) -> float | None:
    """A finite number from an int/float or a numeric string; None for anything else (booleans included)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _edge(x: float) -> str:
    return f"{x:g}"


def band_value(number: float, edges: Sequence[float]) -> str:
    """The band of `number`: "<e0", "e0-e1", ..., ">=en"."""
    edges = sorted(edges)
    if not edges or number < edges[0]:
        return f"<{_edge(edges[0])}" if edges else _edge(number)
    for low, high in zip(edges, edges[1:]):
        if low <= number < high:
            return f"{_edge(low)}-{_edge(high)}"
    return f">={_edge(edges[-1])}"


def protected_groups(
    metas: Sequence[dict], protected: Sequence[str], band_edges: dict[str, list[float]]
) -> tuple[list[dict], list[str]]:
    """Each record's group values with the protected attributes added (numbers banded), and the warnings."""
    groups = [dict(m.get("groups") or {}) for m in metas]
    warnings = []
    for attribute in protected:
        raw = [(m.get("groups") or {}).get(attribute, (m.get("attributes") or {}).get(attribute)) for m in metas]
        present = [v for v in raw if v is not None and v != ""]
        if not present:
            warnings.append(f"protected attribute {attribute!r} matches no key in the data: it is not checked")
            continue
        numbers = [as_number(v) for v in present]
        if all(n is not None for n in numbers):
            edges = band_edges.get(attribute)
            if not edges:
                edges = sorted(set(float(q) for q in np.quantile(numbers, [0.25, 0.5, 0.75])))
                warnings.append(
                    f"protected attribute {attribute!r} is numeric with no band edges configured:"
                    f" banded at its quartiles {', '.join(_edge(e) for e in edges)}"
                )
            for group, value in zip(groups, raw):
                number = as_number(value)
                group[attribute] = band_value(number, edges) if number is not None else "missing"
        else:
            for group, value in zip(groups, raw):
                group[attribute] = "missing" if value is None or value == "" else str(value)
    return groups, warnings


def flag_groups(
    rows: list[dict],
    protected: Sequence[str],
    *,
    min_ratio: float = 0.8,
    max_ratio: float = 1.25,
    reference: str = "largest",
    min_group_n: int = 1,
) -> list[dict]:
    """Set adverse_ratio against each attribute's reference group and `flag` on the rows; return the flagged
    protected groups (ratio outside [min_ratio, max_ratio], n >= min_group_n)."""
    flagged = []
    for attribute in dict.fromkeys(r["attribute"] for r in rows):
        part = [r for r in rows if r["attribute"] == attribute]
        if reference == "lowest":
            candidates = [r for r in part if r["adverse_rate"] > 0]
            ref = min(candidates, key=lambda r: r["adverse_rate"]) if candidates else None
        else:
            ref = max(part, key=lambda r: (r["group"] != "missing", r["n"]))  # a known group, the largest
        for r in part:
            r["reference"] = ref["group"] if ref else "–"
            rate = ref["adverse_rate"] if ref else 0.0
            if rate > 0:
                r["adverse_ratio"] = r["adverse_rate"] / rate
            else:
                r["adverse_ratio"] = 1.0 if r["adverse_rate"] == 0 else float("inf")
            outside = not (min_ratio <= r["adverse_ratio"] <= max_ratio)
            r["flag"] = ""
            if attribute in protected and outside:
                if r["n"] < min_group_n:
                    r["flag"] = f"outside band, n below {min_group_n}"
                else:
                    r["flag"] = "outside four-fifths band"
                    flagged.append(r)
    return flagged


def describe(flagged: list[dict]) -> list[str]:
    """One short line per flagged group: attribute=group ratio [bootstrap interval, when known] (n)."""
    return [
        f"{r['attribute']}={r['group']} adverse ratio {r['adverse_ratio']:.2f}"
        + (f" [{r['ratio_low']:.2f}, {r['ratio_high']:.2f}]" if "ratio_low" in r else "")
        + f" vs {r['reference']} (n {r['n']})"
        for r in flagged
    ]


@dataclass
class FairnessResult:
    """One training run's fairness check: `rows` (every protected group), `flagged` (point ratio outside the
    band), `breaches` (flagged, interval outside the band too), `warnings` (attributes not checked or banded
    at quartiles) and the attributes `checked`."""

    rows: list[dict] = field(default_factory=list)
    flagged: list[dict] = field(default_factory=list)
    breaches: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """breach | flagged (outside the band, interval reaches into it) | clear | not_checked."""
        if self.breaches:
            return "breach"
        if self.flagged:
            return "flagged"
        return "clear" if self.checked else "not_checked"

    @property
    def notes(self) -> list[str]:
        """Everything a reviewer is warned about: flagged groups that are no breach, then the data warnings."""
        return [f"{line} (interval reaches into the band)" for line in describe(self.unconfirmed)] + self.warnings

    @property
    def unconfirmed(self) -> list[dict]:
        return [r for r in self.flagged if not r.get("breach")]

    def metrics(self) -> dict[str, float]:
        """The MLflow metrics: counts of the same lists the tags and the report show."""
        return {
            "fairness_breaches": float(len(self.breaches)),
            "fairness_flagged_groups": float(len(self.flagged)),
            "fairness_warnings": float(len(self.notes)),
            "fairness_attributes_checked": float(len(self.checked)),
        }

    def tags(self) -> dict[str, str]:
        """The run's and the version's tags: status, breaches, warnings (\"none\" when empty)."""
        return {
            "fairness_status": self.status,
            "fairness_breaches": ("; ".join(describe(self.breaches)) or "none")[:4900],
            "fairness_flags": ("; ".join(describe(self.flagged)) or "none")[:4900],
            "fairness_warnings": ("; ".join(self.notes) or "none")[:4900],
            "fairness_flagged_groups": str(len(self.flagged)),
        }


def ratio_intervals(rows: list[dict], *, n_boot: int = 1000, confidence: float = 0.95, seed: int = 0) -> None:
    """Set ratio_low/ratio_high on rows already given `reference` and `adverse_ratio` (flag_groups): the
    interval of each group's adverse rate over its reference group's, from a smoothed bootstrap that draws
    each group's rate independently from Beta(k + 1/2, n - k + 1/2) (Jeffreys). A plain resample of a group
    with no adverse decision always gives 0 (an interval [0, 0] on 7 records would block a version); the
    smoothed draws keep such a small group's interval honest about how little 7 records say."""
    rng = np.random.default_rng(seed)
    tail = (1 - confidence) / 2
    for attribute in dict.fromkeys(r["attribute"] for r in rows):
        part = [r for r in rows if r["attribute"] == attribute]
        draws = {}
        for r in part:
            adverse = round(min(max(r["adverse_rate"], 0.0), 1.0) * r["n"])
            draws[r["group"]] = rng.beta(adverse + 0.5, r["n"] - adverse + 0.5, n_boot)
        for r in part:
            if r.get("reference") not in draws or r["group"] == r.get("reference"):
                r["ratio_low"] = r["ratio_high"] = r["adverse_ratio"]
                continue
            ratios = draws[r["group"]] / draws[r["reference"]]  # Beta draws are > 0
            low, high = np.quantile(ratios, [tail, 1 - tail])
            r["ratio_low"], r["ratio_high"] = float(low), float(high)


def group_metrics(values: Sequence[str], y: np.ndarray, score: np.ndarray, cutoff: float) -> list[dict]:
    """fairlearn's MetricFrame by group: n, selection (adverse) rate, TPR, FPR, mean score and observed rate."""
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_positive_rate,
        mean_prediction,
        selection_rate,
        true_positive_rate,
    )

    adverse = (score >= cutoff).astype(int)
    decisions = MetricFrame(
        metrics={
            "n": count,
            "adverse_rate": selection_rate,
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
        },
        y_true=y,
        y_pred=adverse,
        sensitive_features=np.asarray(values),
    ).by_group
    calibration = MetricFrame(
        metrics={"mean_score": mean_prediction, "bad_rate": lambda t, p: float(np.mean(t))},
        y_true=y,
        y_pred=score,
        sensitive_features=np.asarray(values),
    ).by_group
    rows = []
    for group in decisions.index:
        row = {"group": str(group), **{k: float(v) for k, v in decisions.loc[group].items()}}
        row.update({k: float(v) for k, v in calibration.loc[group].items()})
        row["n"] = int(row["n"])
        row["calibration_gap"] = row["mean_score"] - row["bad_rate"]
        rows.append(row)
    return rows


def assess(groups: Sequence[dict], y, score, protected: Sequence[str], warnings: list[str], fair, cutoff: float):
    """The fairness check of a holdout: MetricFrame figures per protected group, four-fifths flags on the
    adverse-decision ratio, bootstrap intervals, and breaches (interval wholly outside the band)."""
    y, score = np.asarray(y, dtype=int), np.asarray(score, dtype=float)
    result = FairnessResult(warnings=list(warnings))
    for attribute in protected:
        values = [str(g.get(attribute, "missing")) for g in groups]
        if not values or all(v == "missing" for v in values):
            continue
        result.checked.append(attribute)
        result.rows += [{"attribute": attribute, **row} for row in group_metrics(values, y, score, cutoff)]
    result.flagged = flag_groups(
        result.rows,
        result.checked,
        min_ratio=fair.min_ratio,
        max_ratio=fair.max_ratio,
        reference=fair.reference,
        min_group_n=fair.min_group_n,
    )
    ratio_intervals(result.rows, n_boot=fair.n_boot, confidence=fair.confidence, seed=fair.seed)
    flagged = {id(r) for r in result.flagged}
    for r in result.rows:
        r["breach"] = id(r) in flagged and (r["ratio_high"] < fair.min_ratio or r["ratio_low"] > fair.max_ratio)
        if id(r) in flagged and not r["breach"]:
            r["flag"] = "outside four-fifths band, interval reaches into it"
    result.breaches = [r for r in result.flagged if r["breach"]]
    return result


def annotate(table: list[dict], result: FairnessResult, fair) -> None:
    """Give the report's segment table (evaluate.group_table rows) the same reference, ratio, interval and flag
    as the fairness check: every attribute's ratio against its reference group, and the protected groups'
    intervals and flags copied from `result`, so the two tables of the report cannot disagree."""
    flag_groups(
        table,
        result.checked,
        min_ratio=fair.min_ratio,
        max_ratio=fair.max_ratio,
        reference=fair.reference,
        min_group_n=fair.min_group_n,
    )
    checked = {(r["attribute"], r["group"]): r for r in result.rows}
    for row in table:
        match = checked.get((row["attribute"], row["group"]))
        if match is not None:
            row.update(
                {k: match[k] for k in ("reference", "adverse_ratio", "ratio_low", "ratio_high", "flag", "breach")}
            )
