"""What `max_length` cuts: how many serialized records are truncated, and which fields lose text.

Reported with every training run (metric `truncated_share`, artifact `truncation.json`), so a
bank whose records are longer than the token budget sees what the encoder never reads. The
tabular vector still carries every profile key whatever the cut.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def _line_keys(text: str) -> list[tuple[str, int]]:
    """(field key, start offset) of each `key: value` line of a serialized record."""
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((line.split(":", 1)[0], offset))
        offset += len(line) + 1
    return out


def truncation_report(tokenizer, texts: Sequence[str], max_length: int, top: int = 20) -> dict:
    """{"records", "truncated", "truncated_share", "fields_cut": [{"field", "records"}, ...]} for `texts`.

    A record is truncated when its tokens (with the special ones) exceed `max_length`; a field is cut
    when its line does not end before the last kept character."""
    enc = tokenizer(list(texts), truncation=False, add_special_tokens=True, return_offsets_mapping=True)
    cut: Counter = Counter()
    truncated = 0
    for text, ids, offsets in zip(texts, enc["input_ids"], enc["offset_mapping"]):
        if len(ids) <= max_length:
            continue
        truncated += 1
        kept_end = max((end for _, end in offsets[: max_length - 1]), default=0)  # the last slot is [SEP]
        lines = _line_keys(text)
        for i, (key, start) in enumerate(lines):
            end = lines[i + 1][1] - 1 if i + 1 < len(lines) else len(text)
            if end > kept_end:
                cut[key] += 1
    n = len(texts)
    return {
        "records": n,
        "truncated": truncated,
        "truncated_share": truncated / n if n else 0.0,
        "fields_cut": [{"field": k, "records": v} for k, v in cut.most_common(top)],
    }
