"""The serializer and record helpers: stable `key: value` text, no I/O."""

from datetime import date, datetime, timezone

import pytest

from finrisk.features.records import end_of_day, shard_params
from finrisk.features.serialize import format_value, to_text


def test_to_text_keeps_order_and_flattens_newlines():
    text = to_text({"segment": "retail", "notes": "line one\nline two", "empty": "", "income": 42000.0})
    assert text == "segment: retail\nnotes: line one line two\nincome: 42000"


def test_format_value_is_compact_and_stable():
    assert format_value(True) == "yes"
    assert format_value(3.0) == "3"
    assert format_value(1234.5678) == "1234.57"
    assert format_value({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    assert format_value(None) == ""


def test_any_profile_keys_become_fields():
    from finrisk.features.credit import profile_fields

    assert profile_fields({"zeta": 1, "alpha": "x"}) == {"alpha": "x", "zeta": "1"}


def test_shard_params_and_end_of_day():
    assert shard_params(None) == {"shard_i": 0, "shard_n": 1}
    assert shard_params((1, 4)) == {"shard_i": 1, "shard_n": 4}
    with pytest.raises(ValueError):
        shard_params((4, 4))
    assert end_of_day(date(2024, 3, 1)) == datetime(2024, 3, 2, tzinfo=timezone.utc)


def test_synthetic_examples_are_text_for_every_spec():
    from finrisk.models.specs import SPECS

    for spec in SPECS.values():
        assert ": " in spec.synthetic_text()
