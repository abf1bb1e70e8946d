"""Reason codes by occlusion: which fields of a serialized record pushed its score up.

For each record the model is run once more per field group with that group dropped from
the `key: value` text; a field's contribution is the drop in the adverse-class
probability when it is removed. The largest positive contributions become reason codes
`{code, description, contribution}`, where `code` is the field key (or `a+b` for a group),
so an analyst can tie every reason to a real field of the record.

Descriptions are generic, derived from the key name, and never quote values: reason codes
are readable by analysts who may not see profiles or notes. A group names each of its fields
("a, b and c"), never "and N related fields". This is the path of transaction alerts; an adverse
decision about a customer (credit) is explained with the bank's reason catalogue, value and
direction included (finrisk.scoring.adverse_reasons).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np

# (word prefixes of the field key, description template); the first match wins. {name} is
# the key made readable. These are kinds of field, not a list of bank attributes.
_DESCRIPTIONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("news", "headline", "article", "sentiment"), "recent negative news about employer ({name})"),
    (("note", "comment", "remark", "memo"), "notes mention risk factors ({name})"),
    (("fraud", "chargeback"), "fraud history ({name})"),
    (("merchant", "country", "channel", "currency"), "transaction pattern: {name}"),
    (
        ("txn", "transaction", "spend", "amount", "count", "balance", "payment", "velocity", "first"),
        "recent transaction behaviour: {name}",
    ),
    (("description", "text", "body"), "free text ({name})"),
    (("segment",), "customer segment"),
    (("company", "employer"), "employer"),
)
_SEPARATOR = "+"


def readable(key: str) -> str:
    """A field key as words: 'profile.employment_status' -> 'employment status'."""
    name = key.split(".")[-1] if "." in key else key
    name = re.sub(r"^(profile|customer|txn|transaction)_", "", name)
    return re.sub(r"[_\-]+", " ", name).strip() or key


def _names(keys: Sequence[str]) -> str:
    names = [readable(k) for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def describe(code: str, profile_keys: Collection[str] = ()) -> str:
    """A readable, value-free description of a field (or group of fields) key; a group names every field.

    Keys the caller knows to be profile attributes read "profile: <key>" whatever their name.
    """
    keys = code.split(_SEPARATOR)
    key = keys[0]
    if key in profile_keys:
        return f"profile: {_names(keys)}"
    words = [w for w in re.split(r"[^a-z0-9]+", key.lower()) if w]
    for prefixes, template in _DESCRIPTIONS:
        if any(w.startswith(prefixes) for w in words):
            return template.format(name=_names(keys))
    return f"profile: {_names(keys)}"


def field_groups(keys: Sequence[str], max_groups: int) -> list[list[str]]:
    """Occlusion groups: one per field, or, past max_groups, consecutive fields grouped evenly."""
    keys = list(keys)
    if len(keys) <= max_groups:
        return [[k] for k in keys]
    groups = np.array_split(np.arange(len(keys)), max_groups)
    return [[keys[i] for i in group] for group in groups if len(group)]


def occluded_fields(fields: Mapping[str, Any], groups: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """The record once per group, with that group's fields dropped, order kept."""
    variants = []
    for group in groups:
        dropped = set(group)
        variants.append({k: v for k, v in fields.items() if k not in dropped})
    return variants


def top_reasons(
    base_prob: float,
    occluded_probs: Sequence[float],
    groups: Sequence[Sequence[str]],
    limit: int,
    profile_keys: Collection[str] = (),
) -> list[dict]:
    """Up to `limit` reason codes, largest positive contribution first."""
    contributions = [(float(base_prob) - float(p), group) for p, group in zip(occluded_probs, groups)]
    ranked = sorted((c for c in contributions if c[0] > 0), key=lambda c: -c[0])[:limit]
    return [
        {
            "code": _SEPARATOR.join(group),
            "description": describe(_SEPARATOR.join(group), profile_keys),
            "contribution": float(f"{c:.6g}"),
        }
        for c, group in ranked
    ]


def explain_batch(
    records_fields: Sequence[Mapping[str, Any]],
    base_probs: Sequence[float],
    predict: Callable[[list[Mapping[str, Any]]], np.ndarray],
    limit: int,
    max_groups: int,
    profile_keys: Sequence[Collection[str]] | None = None,
) -> list[list[dict]]:
    """Reason codes for a batch; all occluded variants of the batch go through `predict` together.

    `profile_keys[i]` names record i's profile attributes, for their descriptions.
    """
    if limit <= 0:
        return [[] for _ in records_fields]
    all_groups: list[list[list[str]]] = []
    variants: list[Mapping[str, Any]] = []
    for fields in records_fields:
        groups = field_groups(list(fields), max_groups)
        all_groups.append(groups)
        variants.extend(occluded_fields(fields, groups))
    probs = np.asarray(predict(variants), dtype=float) if variants else np.zeros(0)
    out, start = [], 0
    for i, (groups, base) in enumerate(zip(all_groups, base_probs)):
        keys = profile_keys[i] if profile_keys is not None else ()
        out.append(top_reasons(base, probs[start : start + len(groups)], groups, limit, keys))
        start += len(groups)
    return out
