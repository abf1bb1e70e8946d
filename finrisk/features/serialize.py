"""Records become `key: value` text; one serializer for training, scoring and reason codes."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any


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
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return " ".join(str(value).split())


def to_text(fields: Mapping[str, Any]) -> str:
    """`key: value` lines in the given order; empty values are left out, newlines flattened."""
    lines = []
    for key, value in fields.items():
        text = value if isinstance(value, str) else format_value(value)
        text = " ".join(text.split())
        if text:
            lines.append(f"{key}: {text}")
    return "\n".join(lines)
