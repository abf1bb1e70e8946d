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


def test_credit_text_puts_notes_and_key_risk_fields_first_and_keeps_every_profile_key():
    from finrisk.features.credit import build

    row = {"key": "C1", "as_of": None, "company": None, "has_profile": True, "segment": "retail",
           "profile": {"region": "Lazio", "utilisation": 0.3, "arrears_24m": 1, "marketing_opt_in": False},
           "notes": "asked for a payment holiday", "txn_count_30d": 3, "txn_amount_30d": 120.55,
           "txn_count_90d": 9, "txn_amount_90d": 400.4, "txn_count_180d": 12, "txn_max_amount_180d": 99.9,
           "merchant_count_180d": 4, "abroad_share_180d": 0.0, "channel_shares": None, "top_merchants": None,
           "news_count_90d": 0, "headlines": None}
    names = list(build(row).fields)
    assert names[:4] == ["notes", "segment", "arrears 24m", "utilisation"]
    assert names[-2:] == ["marketing opt in", "region"]  # the rest of the profile, sorted, last
    assert build(row).fields["spend 30d"] == "3 txns 121"
