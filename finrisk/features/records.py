"""One example as the models see it: a key, ordered text fields and side metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from finrisk.errors import FinriskError


@dataclass
class Record:
    """One example.

    `key` is the customer_id, txn_id or article_id. `fields` are the ordered `name: value`
    pairs that `serialize.to_text` writes out. `meta` holds what is not text: identifiers the
    scoring step needs, `meta["numeric"]` (floats for PSI and the tabular baseline),
    `meta["attributes"]` (raw profile values for the baseline), `meta["groups"]` (segment and
    protected attributes for fairness tables), `meta["number_groups"]` (reason-code name ->
    the numeric keys it stands for: behaviour figures are explained like fields although
    they are not in the text), `meta["wide_only"]` (fields a fused model's encoder does not read:
    figures that move daily; the n-grams and the tabular vector still do), and for training `meta["label"]` and
    `meta["time"]`.
    """

    key: str
    fields: dict[str, str]
    meta: dict[str, Any] = field(default_factory=dict)


def explained_fields(record: Record) -> dict[str, str]:
    """What reason codes occlude: the text fields, then each number group (empty value: never quoted)."""
    groups = record.meta.get("number_groups") or {}
    return {**record.fields, **{name: "" for name in groups if name not in record.fields}}


def check_shard(i: int, n: int) -> tuple[int, int]:
    """(i, n) when 0 <= i < n, or a one-line error: the one shard range rule."""
    if n < 1 or not 0 <= i < n:
        raise FinriskError(f"shard {i}/{n} is out of range: need 0 <= i < n")
    return int(i), int(n)


def shard_params(shard: tuple[int, int] | None) -> dict[str, int]:
    """Bound parameters for `mod(abs(hashtext(key)), n) = i`; no shard means one slice."""
    i, n = check_shard(*shard) if shard is not None else (0, 1)
    return {"shard_i": i, "shard_n": n}
