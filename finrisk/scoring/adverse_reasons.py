"""Reasons for an adverse decision, fit for the notice: catalogue codes with the value and direction that hurt.

Occlusion, one group per catalogue code: the code's inputs present in the record are left out
together (`occluded_record`: text, tabular vector, tree) and the drop in the adverse probability is
the code's contribution. An input no code covers is its own group under the catalogue's fallback
code, named with its value. Protected attributes and proxies are never occluded and never a
reason, even where counsel permits them as inputs. The top `limit` positive contributions
become reasons (ties by code, so the same record always gives the same codes):

    {"code": "CR02", "description": "Utilisation 94% is high",
     "inputs": [{"input": "utilisation", "value": "94%", "direction": "high"}], "contribution": 0.031}

`description` is the letter-ready sentence; each input names its value (null when not quoted,
e.g. free-text notes) and the direction that hurt (high, low, or value for a category).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from finrisk.features.protected import InputPolicy, normalise
from finrisk.features.records import Record, explained_fields
from finrisk.scoring.reason_catalogue import Catalogue, ReasonCode, format_figure

Group = tuple[ReasonCode, tuple[str, ...]]  # (catalogue code, the record's inputs it leaves out)


def record_policy(record: Record, policy: InputPolicy | None) -> InputPolicy:
    """The policy, widened by the keys the record itself marks protected (meta["protected"])."""
    marked = {normalise(k) for k in (record.meta.get("protected") or {})}
    base = policy or InputPolicy()
    return InputPolicy(base.sensitive | marked, base.permitted) if marked - base.sensitive else base


def reason_groups(record: Record, catalogue: Catalogue, policy: InputPolicy | None = None) -> list[Group]:
    """The record's occlusion groups: one per catalogue code with inputs present, one per uncovered input."""
    policy = record_policy(record, policy)
    groups: dict[str, list[str]] = {}
    codes: dict[str, ReasonCode] = {}
    for name in explained_fields(record):
        if policy.is_sensitive(name):
            continue
        entry = catalogue.covering(name)
        key = entry.code if entry is not None else f"{catalogue.fallback.code}:{name}"
        codes[key] = entry or catalogue.fallback
        groups.setdefault(key, []).append(name)
    return [(codes[key], tuple(names)) for key, names in groups.items()]


def raw_value(record: Record, name: str) -> Any:
    """An input's raw value: a behaviour figure, a profile attribute, else the record's field text."""
    numeric = record.meta.get("numeric") or {}
    if name in numeric:
        return numeric[name]
    attributes = record.meta.get("attributes") or {}
    for key, value in attributes.items():
        if normalise(key) == normalise(name):
            return value
    return record.fields.get(name)


def _raw_and_direction(record: Record, entry: ReasonCode, inputs: Sequence[str]) -> tuple[list[Any], str]:
    """The raw figures a reason quotes and the direction they point (high, low, or value)."""
    raw = [raw_value(record, name) for name in list(entry.values) or list(inputs)]
    return raw, entry.direction(raw[0] if raw else None)


def citable(record: Record, entry: ReasonCode, inputs: Sequence[str]) -> bool:
    """Whether this record's value of the reason points the way the catalogue lets a letter cite."""
    return not entry.inputs or entry.citable(_raw_and_direction(record, entry, inputs)[1])


def render(record: Record, entry: ReasonCode, inputs: Sequence[str], contribution: float) -> dict:
    """One stored reason: code, letter sentence, each input with its value and direction."""
    raw, direction = _raw_and_direction(record, entry, inputs)
    if not entry.inputs:  # the fallback: the input named with its value
        name = inputs[0].replace("_", " ")
        shown = format_figure(raw[0] if raw else None, "text")
        description = name[:1].upper() + name[1:] + (f": {shown}" if shown else "")
    else:
        description = entry.render(raw, direction)
    figures = [format_figure(v, entry.format if entry.inputs else "text") for v in raw]
    if entry.values:  # figures quoted for the input(s) together
        joined = ", ".join(f for f in figures if f) or None
        details = [{"input": name, "value": joined, "direction": direction} for name in inputs]
    else:
        details = [{"input": name, "value": f, "direction": direction} for name, f in zip(inputs, figures)]
    return {
        "code": entry.code,
        "description": description,
        "inputs": details,
        "contribution": float(f"{contribution:.6g}"),
    }


def explain_adverse(
    records: Sequence[Record],
    base_probs: Sequence[float] | np.ndarray,
    predict: Callable[[list[Record], list[int]], np.ndarray],
    catalogue: Catalogue,
    limit: int,
    policy: InputPolicy | None = None,
) -> list[list[dict]]:
    """Catalogue reasons for each record; every occluded variant of the batch goes through `predict` at once
    (`predict(variants, owners)`: owners[k] is the index of the record variant k comes from)."""
    if limit <= 0:
        return [[] for _ in records]
    from finrisk.models.tabular import occluded_record

    all_groups = [reason_groups(r, catalogue, policy) for r in records]
    variants, owners = [], []
    for i, (record, groups) in enumerate(zip(records, all_groups)):
        fields = explained_fields(record)
        for _, inputs in groups:
            left_out = set(inputs)
            variants.append(occluded_record(record, {k: v for k, v in fields.items() if k not in left_out}))
            owners.append(i)
    probs = np.asarray(predict(variants, owners), dtype=float) if variants else np.zeros(0)
    out, start = [], 0
    for record, groups, base in zip(records, all_groups, base_probs):
        drops = [(float(base) - float(p), entry, inputs) for p, (entry, inputs) in zip(probs[start:], groups)]
        start += len(groups)
        # a reason the letter may not cite (its value points the other way) is passed over, not renamed
        cited = (d for d in drops if d[0] > 0 and citable(record, d[1], d[2]))
        ranked = sorted(cited, key=lambda d: (-round(d[0], 9), d[1].code, d[2]))[:limit]
        out.append([render(record, entry, inputs, c) for c, entry, inputs in ranked])
    return out


def letter_lines(reasons: Sequence[Mapping[str, Any]]) -> list[str]:
    """The sentences of stored reasons, in rank order (what a credit officer reads)."""
    return [str(r.get("description", "")) for r in reasons]
