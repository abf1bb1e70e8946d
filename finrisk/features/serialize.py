"""Records become `key: value` text; one serializer for training, scoring and reason codes.

It must never raise on a value a clean row can hold: NULL text is empty, any JSON the contract
allows is written out (nesting deeper than `MAX_DEPTH` is cut to "…" instead of hitting
Python's recursion limit; validation quarantines such profiles first, see max_json_depth).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

# Deeper than any profile validation lets through (QualitySettings.max_json_depth, at most 100),
# far below Python's recursion limit.
MAX_DEPTH = 100


def _capped_json(value: Any, depth: int = 0) -> str:
    """JSON as json.dumps(sort_keys=True) writes it, with containers below MAX_DEPTH written as "…"."""
    if isinstance(value, Mapping):
        if depth >= MAX_DEPTH:
            return '"…"'
        items = sorted(((str(k), v) for k, v in value.items()), key=lambda kv: kv[0])
        return (
            "{"
            + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_capped_json(v, depth + 1)}" for k, v in items)
            + "}"
        )
    if isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH:
            return '"…"'
        return "[" + ", ".join(_capped_json(v, depth + 1) for v in value) + "]"
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return json.dumps(str(value), ensure_ascii=False)


def format_value(value: Any) -> str:
    """A value as short, stable text: integers without '.0', booleans as yes/no, JSON for nested."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.4g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, (dict, list)):
        try:
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        except (RecursionError, TypeError, ValueError):  # too deep for the C encoder, or odd keys
            return _capped_json(value)
    return " ".join(str(value).split())


def join_values(values: Iterable[Any] | None, separator: str) -> str:
    """Values written with `format_value` and joined; NULL and empty ones are left out."""
    texts = (format_value(v) for v in (values or ()))
    return separator.join(t for t in texts if t)


def to_text(fields: Mapping[str, Any]) -> str:
    """`key: value` lines in the given order; empty values are left out, newlines flattened."""
    lines = []
    for key, value in fields.items():
        text = value if isinstance(value, str) else format_value(value)
        text = " ".join(text.split())
        if text:
            lines.append(f"{format_value(key) if not isinstance(key, str) else key}: {text}")
    return "\n".join(lines)


def without_lines(text: str, keys) -> str:
    """`text` (from `to_text`) less the lines of `keys`: what a fused model's encoder reads when `keys` are a
    record's `meta["wide_only"]` figures (finrisk.models.fusion)."""
    if not keys:
        return text
    keys = set(keys)
    return "\n".join(line for line in text.split("\n") if line.split(": ", 1)[0] not in keys)
