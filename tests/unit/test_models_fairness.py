"""Fairness a reviewer can act on: four-fifths flags with n, banded numeric attributes, missing-attribute warnings,
the gate's optional refusal and the report's version and fingerprint table."""

from types import SimpleNamespace

import numpy as np

from finrisk.config import GateSettings, Settings
from finrisk.models.evaluate import group_table
from finrisk.models.fairness import band_value, describe, flag_groups, protected_groups
from finrisk.models.report import fingerprint_table, write_report
from finrisk.registry.gate import decide


def _rows(rates: dict[str, tuple[int, float]], attribute: str = "age_band") -> list[dict]:
    return [{"attribute": attribute, "group": g, "n": n, "adverse_rate": r} for g, (n, r) in rates.items()]


def test_groups_outside_the_four_fifths_band_are_flagged_with_their_n():
    rows = _rows({"18-25": (120, 0.30), "26-40": (500, 0.10), "41-65": (300, 0.09), "65+": (80, 0.07)})
    flagged = flag_groups(rows, ["age_band"])
    # reference: the largest group (26-40, rate 0.10); 0.30 -> 3.0 (above 1.25), 0.07 -> 0.7 (below 0.8)
    assert {r["group"]: r["n"] for r in flagged} == {"18-25": 120, "65+": 80}
    assert all(r["reference"] == "26-40" for r in rows)
    assert [round(r["adverse_ratio"], 2) for r in rows] == [3.0, 1.0, 0.9, 0.7]
    assert describe(flagged)[0] == "age_band=18-25 adverse ratio 3.00 vs 26-40 (n 120)"


def test_band_and_reference_are_configurable_and_unprotected_attributes_are_not_flagged():
    rows = _rows({"a": (100, 0.10), "b": (50, 0.125)})
    assert flag_groups(rows, ["age_band"], min_ratio=0.8, max_ratio=1.25) == []
    assert [r["group"] for r in flag_groups(rows, ["age_band"], max_ratio=1.2)] == ["b"]
    assert flag_groups(_rows({"a": (100, 0.10), "b": (50, 0.5)}, "segment"), ["age_band"]) == []
    lowest = _rows({"a": (100, 0.20), "b": (50, 0.10)})
    assert [r["group"] for r in flag_groups(lowest, ["age_band"], reference="lowest")] == ["a"]
    unknown = _rows({"missing": (500, 0.5), "a": (100, 0.10), "b": (90, 0.10)})
    assert [r["group"] for r in flag_groups(unknown, ["age_band"])] == ["missing"] and unknown[1]["reference"] == "a"
    small = _rows({"a": (100, 0.10), "b": (5, 0.5)})
    assert flag_groups(small, ["age_band"], min_group_n=30) == [] and small[1]["flag"].startswith(
        "outside band, n below"
    )


def test_numeric_ages_are_banded_with_configured_edges_or_quartiles():
    assert [band_value(x, [25, 35, 45]) for x in (18, 25, 34.9, 44, 70)] == ["<25", "25-35", "25-35", "35-45", ">=45"]
    metas = [{"groups": {"segment": "retail"}, "attributes": {"age": age}} for age in (19, "31", 52, None)]
    groups, warnings = protected_groups(metas, ["age"], {"age": [25, 35, 45, 55, 65]})
    assert [g["age"] for g in groups] == ["<25", "25-35", "45-55", "missing"] and warnings == []
    groups, warnings = protected_groups(metas, ["age"], {})
    assert len({g["age"] for g in groups}) > 2 and "quartiles" in warnings[0]


def test_a_protected_attribute_that_matches_no_key_is_a_warning():
    metas = [{"groups": {"segment": "retail", "gender": "f"}, "attributes": {"income": 10}}] * 3
    groups, warnings = protected_groups(metas, ["age_band", "gender"], {})
    assert warnings == ["protected attribute 'age_band' matches no key in the data: it is not checked"]
    assert groups[0]["gender"] == "f"


def test_group_table_then_flags_end_to_end():
    rng = np.random.default_rng(0)
    ages = rng.integers(18, 80, 400)
    score = np.where(ages < 25, 0.9, rng.uniform(0, 0.5, 400))  # the young all get the adverse decision
    metas = [{"groups": {"segment": "s"}, "attributes": {"age": int(a)}} for a in ages]
    groups, _ = protected_groups(metas, ["age"], Settings().fairness.band_edges)
    rows = group_table(groups, rng.integers(0, 2, 400), score, ["segment", "age"], cutoff=0.8)
    flagged = flag_groups(rows, ["age"])
    assert [r["group"] for r in flagged] == ["<25"] and flagged[0]["n"] == int((ages < 25).sum())


def test_the_gate_refuses_on_flags_only_when_asked():
    metrics = {"auc": 0.8, "ece": 0.01}
    flags = ["age_band=18-25 adverse ratio 3.00 vs 26-40 (n 120)"]
    kept = decide(metrics, {"auc": 0.7}, None, GateSettings(), fairness_flags=flags)
    assert kept.decision == "promoted" and any(r.startswith("warning: fairness: 1 protected") for r in kept.reasons)
    refused = decide(metrics, {"auc": 0.7}, None, GateSettings(), fairness_flags=flags, refuse_on_fairness=True)
    assert refused.decision == "challenger" and not refused.promote
    rejected = decide(
        metrics, {"auc": 0.7}, {"auc": 0.8, "ece": 0.01}, GateSettings(), fairness_flags=flags, refuse_on_fairness=True
    )
    assert rejected.decision == "rejected" and "fairness" in rejected.reasons[0]
    assert Settings().fairness.gate_refuse is True  # issue 23: a breach blocks by default


def test_report_names_the_version_and_shows_the_fingerprint_as_a_table(tmp_path):
    fingerprint = {
        "model": "finrisk-credit",
        "rows": 10,
        "train": {"rows": 6, "from": "2026-01-01", "to": "2026-01-06", "label_counts": {"0": 5, "1": 1}},
    }
    table = fingerprint_table(fingerprint)
    assert "<td>finrisk-credit</td>" in table and "<th>split</th>" in table and "{\n" not in table
    flagged = [
        {
            "attribute": "age_band",
            "group": "18-25",
            "n": 120,
            "adverse_rate": 0.3,
            "reference": "26-40",
            "adverse_ratio": 3.0,
        }
    ]
    decision = SimpleNamespace(decision="promoted", passed=True, reasons=["ok"])
    path = write_report(
        tmp_path / "r.html",
        title="finrisk-credit",
        version="7",
        fingerprint=fingerprint,
        config={},
        metrics={"auc": 0.8},
        baseline=None,
        champion=None,
        champion_version=None,
        calibration=[],
        deciles=[],
        groups=[],
        plots={},
        decision=decision,
        flagged=flagged,
        warnings=["protected attribute 'x' matches no key in the data: it is not checked"],
    )
    text = path.read_text()
    assert "version 7;" in text and "pending" not in text
    assert "1 protected group(s) outside the four-fifths band" in text and "<td>120</td>" in text
    assert "warning: protected attribute &#x27;x&#x27; matches no key" in text
