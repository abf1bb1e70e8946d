"""Protected groups a reviewer can act on: banding, the four-fifths check and missing-attribute warnings.

- `protected_groups` gives each record's group values: the record's own groups (segment and short
  profile values) plus every protected attribute found in its attributes; a numeric value (an age)
  is banded with the configured edges (`settings.fairness.band_edges`), or at its quartiles when
  none are configured. A protected attribute that matches no key in any record is a warning.
- `flag_groups` recomputes each group's adverse-decision ratio against the attribute's reference
  group (the largest group by default) and flags every protected group outside
  [min_ratio, max_ratio] (four-fifths: 0.8 and 1.25), with its n.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
    """One short line per flagged group: attribute=group ratio (n)."""
    return [
        f"{r['attribute']}={r['group']} adverse ratio {r['adverse_ratio']:.2f} vs {r['reference']} (n {r['n']})"
        for r in flagged
    ]
