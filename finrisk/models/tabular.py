"""The tabular vector: whatever keys the records carry, discovered on the training split.

Shared by the baselines and the fused model, and saved inside the model artifact, so scoring
builds exactly the vector training saw. Per key, from the training values:
- numeric when most values parse as numbers: real numbers, numbers stored as strings,
  currency strings ("EUR 1,250.00", "$3 400"), percentages, and yes/no/true/false booleans;
  transformed sign·log1p|x| (amounts are heavy-tailed), standardised, and given an explicit
  missing indicator (a missing income is information, not zero);
- categorical otherwise: one-hot for the frequent values, an "other" column, a missing
  column, and for high-cardinality keys whose values repeat a few hashed buckets of the value;
- mixed (half or more numbers): a numeric column, and the other values as categories.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np

from finrisk.features.records import Record

TRUE = {"yes", "y", "true", "t"}
FALSE = {"no", "n", "false", "f"}
_CURRENCY = re.compile(r"^[\s$€£¥]*(?:[A-Za-z]{3}\s*)?[\s$€£¥]*([-+]?[\d\s,']*\.?\d+)\s*(?:[A-Za-z]{3})?\s*(%?)\s*$")
NUMERIC_SHARE = 0.9  # share of present values that must parse for a key to be numeric only
MIXED_SHARE = 0.5  # from this share a key is numeric and its other values are categories too
TOP_VALUES = 20
MIN_COUNT = 5
HASH_BUCKETS = 16


def parse_number(value) -> float | None:
    """A float for numbers, numeric strings, currency strings, percentages and yes/no; None otherwise."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = str(value).strip()
    low = text.lower()
    if low in TRUE:
        return 1.0
    if low in FALSE:
        return 0.0
    match = _CURRENCY.match(text)
    if not match or not any(c.isdigit() for c in match.group(1)):
        return None
    try:
        number = float(re.sub(r"[\s,']", "", match.group(1)))
    except ValueError:
        return None
    return number / 100 if match.group(2) else number


def _missing(value) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and value.strip().lower() in ("", "null", "none", "nan", "n/a", "na", "-"))
    )


def raw_row(record: Record) -> dict:
    """The record's raw tabular inputs: profile attributes (`attr:`) and behaviour numbers (`num:`)."""
    row = {f"attr:{k}": v for k, v in (record.meta.get("attributes") or {}).items()}
    row.update({f"num:{k}": v for k, v in (record.meta.get("numeric") or {}).items()})
    return row


def _squash(x: float) -> float:
    return math.copysign(math.log1p(abs(x)), x)


def cell(c: dict, value, others: dict, key_is_numeric) -> float:
    """One column's value for one raw value (`others`: key -> frequent values; `key_is_numeric`: mixed keys)."""
    kind = c["kind"]
    if kind == "missing":
        # a numeric key's unparseable value counts as missing too
        return float(_missing(value) or (c.get("numeric", False) and parse_number(value) is None))
    if _missing(value):
        return 0.0
    if kind == "num":
        number = parse_number(value)
        return 0.0 if number is None else (_squash(number) - c["mean"]) / c["std"]
    if key_is_numeric(c["key"]) and parse_number(value) is not None:
        return 0.0  # a mixed key's number is in its numeric column, not a category
    text = str(value).strip()[:80]
    if kind == "cat":
        return float(text == c["value"])
    if kind == "other":
        return float(text not in others[c["key"]])
    if kind == "hash":
        return float(zlib.crc32(text.encode()) % HASH_BUCKETS == c["bucket"])
    return 0.0


class TabularEncoder:
    """Fit on training rows (dicts of raw values); `transform` gives a dense float matrix."""

    def __init__(self, columns: list[dict] | None = None) -> None:
        self.columns: list[dict] = columns or []

    def fit(self, rows: Sequence[dict]) -> TabularEncoder:
        keys = sorted({k for row in rows for k in row})
        columns = []
        for key in keys:
            values = [row.get(key) for row in rows]
            present = [v for v in values if not _missing(v)]
            if not present:
                continue
            parsed = [parse_number(v) for v in present]
            ok = [p for p in parsed if p is not None]
            has_missing = len(present) < len(values)
            words = [str(v).strip()[:80] for v, p in zip(present, parsed) if p is None]
            if len(ok) >= MIXED_SHARE * len(present):
                x = np.array([_squash(p) for p in ok])
                std = float(x.std())
                if std > 1e-9:
                    columns.append({"key": key, "kind": "num", "mean": float(x.mean()), "std": std})
                if has_missing or words:
                    columns.append({"key": key, "kind": "missing", "numeric": True})
                if len(ok) >= NUMERIC_SHARE * len(present):
                    continue
                present = words  # a mixed key: its words are categories as well
            counts = Counter(str(v).strip()[:80] for v in present)
            top = [v for v, c in counts.most_common(TOP_VALUES) if c >= MIN_COUNT]
            columns.extend({"key": key, "kind": "cat", "value": v} for v in top)
            if len(top) < len(counts):
                columns.append({"key": key, "kind": "other", "values": top})
                # hashed buckets only where values repeat: hashing near-unique values is noise
                if len(counts) > TOP_VALUES and len(counts) <= 0.5 * len(present):
                    columns.extend({"key": key, "kind": "hash", "bucket": b} for b in range(HASH_BUCKETS))
            if has_missing and not any(c["key"] == key and c["kind"] == "missing" for c in columns):
                columns.append({"key": key, "kind": "missing"})
        self.columns = columns
        return self

    @property
    def names(self) -> list[str]:
        """One readable name per column (key, kind and value or bucket)."""
        out = []
        for c in self.columns:
            extra = c.get("value", c.get("bucket", ""))
            out.append(f"{c['key']}|{c['kind']}" + (f"={extra}" if extra != "" else ""))
        return out

    def transform(self, rows: Sequence[dict]) -> np.ndarray:
        """(n, d) float64: scaled numbers, indicators, one-hot and hashed categories.

        Column by key, and each distinct (type, value) of a key worked out once: reason codes send many
        variants of a record that share most values, and categorical values repeat across records."""
        out = np.zeros((len(rows), len(self.columns)), dtype=np.float64)
        others = {c["key"]: set(c["values"]) for c in self.columns if c["kind"] == "other"}
        numeric_keys = {c["key"] for c in self.columns if c["kind"] == "missing" and c.get("numeric")}
        key_is_numeric = numeric_keys.__contains__
        by_key: dict[str, list[int]] = {}
        for j, c in enumerate(self.columns):
            by_key.setdefault(c["key"], []).append(j)
        for key, idx in by_key.items():
            cols = [self.columns[j] for j in idx]
            memo: dict = {}
            block = []
            for row in rows:
                value = row.get(key)
                try:
                    token = (type(value), value)  # the type too: True and 1 are equal keys, not equal categories
                    cells = memo.get(token)
                except TypeError:  # a dict or list value
                    token, cells = None, None
                if cells is None:
                    cells = tuple(cell(c, value, others, key_is_numeric) for c in cols)
                    if token is not None:
                        memo[token] = cells
                block.append(cells)
            if rows:
                out[:, idx] = np.asarray(block, dtype=np.float64)
        return out

    def to_dict(self) -> dict:
        """JSON-safe form, saved with the model."""
        return {"columns": self.columns}

    @classmethod
    def from_dict(cls, data: dict) -> TabularEncoder:
        return cls(list(data["columns"]))


def occluded_record(record: Record, fields: dict) -> Record:
    """The record with only the text fields among `fields`, the profile attributes whose field was left out set
    missing, and the numbers of each left-out number group set missing: an occlusion reason code sees a left-out
    input wherever the model reads it (text, tabular vector, tree), not only in the text."""
    dropped = {
        k
        for k in (record.meta.get("attributes") or {})
        if str(k).replace("_", " ") in record.fields and str(k).replace("_", " ") not in fields
    }
    meta = dict(record.meta)
    meta["attributes"] = {k: (None if k in dropped else v) for k, v in (record.meta.get("attributes") or {}).items()}
    gone = {
        key for name, keys in (record.meta.get("number_groups") or {}).items() if name not in fields for key in keys
    }
    if gone:
        meta["numeric"] = {k: (None if k in gone else v) for k, v in (record.meta.get("numeric") or {}).items()}
    return Record(record.key, {k: v for k, v in fields.items() if k in record.fields}, meta)
