"""Reason codes by occlusion: codes are real field keys, descriptions are readable and value-free."""

import numpy as np

from finrisk.scoring.reasons import describe, explain_batch, field_groups, occluded_fields, top_reasons


def _toy_predict(variants):
    # The "model": risk rises with missed payments in notes and with negative news.
    out = []
    for fields in variants:
        p = 0.05
        p += 0.4 if "missed" in str(fields.get("notes", "")) else 0
        p += 0.2 if fields.get("news_negative_count", "0") != "0" else 0
        out.append(p)
    return np.array(out)


def test_occlusion_names_the_fields_that_drove_the_score():
    records = [
        {"segment": "retail", "notes": "3 missed payments", "news_negative_count": "2", "employment_status": "x"},
        {"segment": "retail", "notes": "", "news_negative_count": "0"},
    ]
    base = _toy_predict(records)
    reasons = explain_batch(records, base, _toy_predict, limit=4, max_groups=16)
    assert [r["code"] for r in reasons[0]] == ["notes", "news_negative_count"]
    assert reasons[0][0]["contribution"] > reasons[0][1]["contribution"] > 0
    assert reasons[1] == []
    for record, codes in zip(records, reasons):
        for reason in codes:
            assert set(reason["code"].split("+")) <= set(record)
            assert "missed" not in reason["description"]


def test_groups_cap_and_keep_every_field():
    keys = [f"k{i}" for i in range(10)]
    groups = field_groups(keys, 4)
    assert len(groups) == 4 and sum(groups, []) == keys
    assert field_groups(keys[:3], 4) == [["k0"], ["k1"], ["k2"]]
    variants = occluded_fields({"a": 1, "b": 2, "c": 3}, [["a"], ["b", "c"]])
    assert variants == [{"b": 2, "c": 3}, {"a": 1}]


def test_descriptions_are_generic_and_readable():
    assert describe("notes").startswith("notes mention")
    assert describe("news_negative_30d").startswith("recent negative news about employer")
    assert describe("employment_status") == "profile: employment status"
    assert describe("profile.years_at_address") == "profile: years at address"
    assert describe("a+b+c") == "profile: a, b and c"  # every field named, never "and 2 related fields"
    assert top_reasons(0.5, [0.6, 0.4], [["x"], ["y"]], 4)[0]["code"] == "y"
    assert top_reasons(0.5, [0.1], [["x"]], 0) == []


def test_matching_is_by_word_not_substring():
    assert describe("account_age_months") == "profile: account age months"
    assert describe("txn_count_30d").startswith("recent transaction behaviour")


def test_profile_keys_read_as_profile_whatever_their_name():
    assert describe("missed_payments_12m", {"missed_payments_12m"}) == "profile: missed payments 12m"
    assert describe("notes", {"employment"}).startswith("notes mention")
