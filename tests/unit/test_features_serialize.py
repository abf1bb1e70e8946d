"""The serializer and record helpers: stable `key: value` text, no I/O."""

from datetime import UTC, date, datetime

import pytest

from finrisk.dates import end_of_day
from finrisk.errors import FinriskError
from finrisk.features.records import Record, explained_fields, shard_params
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
    with pytest.raises(FinriskError, match="out of range"):
        shard_params((4, 4))
    assert end_of_day(date(2024, 3, 1)) == datetime(2024, 3, 2, tzinfo=UTC)


def test_synthetic_examples_are_text_for_every_spec():
    from finrisk.models.specs import SPECS

    for spec in SPECS.values():
        assert ": " in spec.synthetic_text()


def test_credit_text_puts_notes_and_key_risk_fields_first_and_keeps_every_profile_key():
    from finrisk.features.credit import build as build_with_policy
    from finrisk.features.protected import InputPolicy

    def build(row):  # no protected attributes configured: every profile key is an input
        return build_with_policy(row, InputPolicy())

    row = {
        "key": "C1",
        "as_of": None,
        "company": None,
        "has_profile": True,
        "segment": "retail",
        "profile": {"region": "Lazio", "utilisation": 0.3, "arrears_24m": 1, "marketing_opt_in": False},
        "notes": "asked for a payment holiday",
        "txn_count_30d": 3,
        "txn_amount_30d": 120.55,
        "txn_count_90d": 9,
        "txn_amount_90d": 400.4,
        "txn_count_180d": 12,
        "txn_max_amount_180d": 99.9,
        "merchant_count_180d": 4,
        "abroad_share_180d": 0.0,
        "channel_shares": None,
        "top_merchants": None,
        "news_count_90d": 0,
        "headlines": None,
    }
    names = list(build(row).fields)
    assert names[:4] == ["notes", "segment", "arrears 24m", "utilisation"]
    assert names[-2:] == ["marketing opt in", "region"]  # the rest of the profile, sorted, last
    record = build(row)
    assert record.fields["spend 30d"] == "3 txns 121" and record.meta["numeric"]["txn_amount_30d"] == 120.55
    # reason codes: a figure line and its numbers are one group; figures that are numbers only are groups of their own
    explained = list(explained_fields(record))
    assert explained[: len(record.fields)] == list(record.fields) and "spend 14d trend" in explained
    assert explained.count("spend 30d") == 1
    from finrisk.models.tabular import occluded_record

    without = occluded_record(record, {k: v for k, v in explained_fields(record).items() if k != "spend 30d"})
    assert "spend 30d" not in without.fields and without.meta["numeric"]["txn_count_30d"] is None
    assert without.meta["numeric"]["txn_count_90d"] == 9 and record.meta["numeric"]["txn_count_30d"] == 3
    trend = occluded_record(record, {k: v for k, v in explained_fields(record).items() if k != "spend 14d trend"})
    assert trend.fields == record.fields and trend.meta["numeric"]["activity_drop_14d"] is None


def test_credit_encoder_text_leaves_out_the_daily_figures_the_ngrams_keep():
    from finrisk.features.credit import WIDE_ONLY, build
    from finrisk.features.serialize import without_lines

    def encoder_text(record):  # what FusedModel.encoder_texts reads of a record trained with its wide_only
        return without_lines(to_text(record.fields), record.meta.get("wide_only"))

    row = {
        "key": "C1",
        "as_of": None,
        "company": "Acme",
        "has_profile": True,
        "segment": "retail",
        "profile": {"utilisation": 0.3},
        "notes": "asked for a payment holiday",
        "txn_count_30d": 3,
        "txn_amount_30d": 120.55,
        "txn_count_90d": 9,
        "txn_amount_90d": 400.4,
        "txn_count_180d": 12,
        "txn_max_amount_180d": 99.9,
        "merchant_count_180d": 4,
        "abroad_share_180d": 0.1,
        "channel_shares": {"online": 0.5, "pos": 0.5},
        "top_merchants": ["Grocer"],
        "news_count_90d": 1,
        "headlines": ["Acme wins contract"],
    }
    today = build(row)
    tomorrow = build(
        {**row, "txn_count_30d": 4, "txn_amount_30d": 180.0, "channel_shares": {"online": 0.6, "pos": 0.4}}
    )
    assert set(WIDE_ONLY) <= set(today.fields) and today.meta["wide_only"] == WIDE_ONLY
    text = encoder_text(today)
    assert all(f"{name}: " not in text for name in WIDE_ONLY)
    assert "notes: asked for a payment holiday" in text and "headlines: Acme wins contract" in text
    assert "top merchants: Grocer" in text and "utilisation: 0.3" in text
    assert encoder_text(tomorrow) == text and to_text(tomorrow.fields) != to_text(today.fields)
    assert encoder_text(build({**row, "notes": "new employer"})) != text
    assert encoder_text(Record("x", {"a": "1", "b": "2"})) == to_text({"a": "1", "b": "2"})  # no wide_only: every field


def test_fraud_text_names_the_transaction_and_keeps_its_numbers_out():
    from finrisk.features import fraud

    txn = {
        "key": "t1",
        "customer_id": "C1",
        "occurred_at": datetime(2026, 3, 1, 22, 5, tzinfo=UTC),
        "amount": 49.9,
        "currency": "EUR",
        "merchant": "GiftShop",
        "description": "card purchase",
        "channel": "online",
        "country": "FR",
        "cust_count_1d": 3,
        "cust_amount_1d": 512.0,
        "cust_count_7d": 4,
        "cust_amount_7d": 600.0,
        "cust_count_30d": 9,
        "cust_amount_30d": 900.0,
        "is_new_merchant": True,
        "is_new_country": False,
        "merchant_labels_90d": 4,
        "merchant_frauds_90d": 1,
        "segment": "retail",
        "profile": None,
    }
    record = fraud.build(txn)
    assert to_text(record.fields) == to_text(fraud.build(dict(txn, key="t2", amount=12.0, cust_count_1d=0)).fields)
    assert record.meta["numeric"]["hour"] == 22 and record.meta["numeric"]["merchant_fraud_rate_90d"] == 0.25
    assert {"amount", "transaction hour", "merchant"} <= set(explained_fields(record))


def _deep(levels: int):
    value: object = "bottom"
    for i in range(levels):
        value = {"k": value} if i % 2 else [value]
    return value


def test_nesting_deeper_than_python_recursion_is_written_not_raised():
    text = format_value(_deep(3000))
    assert text.startswith('{"k": [{"k": ') and '"…"' in text
    assert format_value({"b": [1, {"c": None}], "a": "x"}) == '{"a": "x", "b": [1, {"c": null}]}'  # unchanged
    assert "profile" in to_text({"profile": {"nested": _deep(3000)}})


def test_null_text_fields_serialize_as_empty_in_every_builder():
    from finrisk.features import credit, fraud, news

    row = {
        "key": "C1",
        "as_of": None,
        "company": None,
        "has_profile": True,
        "segment": None,
        "profile": None,
        "notes": None,
        "txn_count_30d": 0,
        "txn_amount_30d": None,
        "txn_count_90d": 0,
        "txn_amount_90d": None,
        "txn_count_180d": 0,
        "txn_max_amount_180d": None,
        "merchant_count_180d": None,
        "abroad_share_180d": 0,
        "channel_shares": None,
        "top_merchants": [None, "Shop"],
        "news_count_90d": 2,
        "headlines": [None, "Acme up"],
    }
    fields = credit.build(row).fields
    assert fields["notes"] == "" and fields["headlines"] == "Acme up" and fields["top merchants"] == "Shop"
    assert "notes" not in to_text(fields)
    txn = {
        "key": "t1",
        "customer_id": None,
        "occurred_at": None,
        "amount": None,
        "currency": None,
        "merchant": None,
        "description": None,
        "channel": None,
        "country": None,
        "cust_count_1d": 0,
        "cust_amount_1d": 0,
        "cust_count_7d": 0,
        "cust_amount_7d": 0,
        "cust_count_30d": 0,
        "cust_amount_30d": 0,
        "is_new_merchant": None,
        "is_new_country": None,
        "merchant_labels_90d": None,
        "merchant_frauds_90d": None,
        "segment": None,
        "profile": None,
    }
    assert to_text(fraud.build(txn).fields) == "" and fraud.build(txn).meta["numeric"]["hour"] == 0
    article = {"key": "a1", "as_of": None, "source": None, "headline": None, "body": None, "companies": None}
    assert to_text(news.build(article).fields) == ""


def test_join_values_skips_null_and_empty():
    from finrisk.features.serialize import join_values

    assert join_values([None, "a", "", 3.0, "b\nc"], " | ") == "a | 3 | b c"
    assert join_values(None, ", ") == ""


def test_to_text_never_raises_on_any_json():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=30,
    )

    @settings(max_examples=150, deadline=None)
    @given(st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=6))
    def check(fields):
        text = to_text(fields)
        assert isinstance(text, str)
        for key, value in fields.items():
            if isinstance(value, str) and value.split() and key.split() == [key]:
                assert " ".join(value.split()) in text

    check()
