"""Fairness that blocks (issue 23): fairlearn's MetricFrame per protected group, bootstrap intervals on the
four-fifths ratio, a breach (interval outside the band) keeps the version back, and the report's lists, the
metrics and the tags are counts of the same things."""

import numpy as np
import pytest

from finrisk.config import FairnessSettings, GateSettings, Settings
from finrisk.models.fairness import assess, describe
from finrisk.registry.gate import decide, description


def _holdout(seed: int = 0):
    """2,000 records: band A large, band B clearly worse (a breach), band C slightly worse but small."""
    rng = np.random.default_rng(seed)
    bands = np.array(["A"] * 1400 + ["B"] * 500 + ["C"] * 100)
    score = rng.uniform(0, 1, len(bands))
    score[bands == "B"] = np.clip(score[bands == "B"] + 0.25, 0, 1)  # B gets the adverse decision far more often
    score[bands == "C"] = np.clip(score[bands == "C"] + 0.04, 0, 1)
    y = (rng.uniform(0, 1, len(bands)) < score * 0.3).astype(int)
    groups = [{"segment": "retail", "age_band": b} for b in bands]
    return groups, y, score


def test_metricframe_figures_match_the_direct_computation():
    groups, y, score = _holdout()
    result = assess(groups, y, score, ["age_band"], [], FairnessSettings(n_boot=200), 0.7)
    bands = np.array([g["age_band"] for g in groups])
    adverse = score >= 0.7
    for row in result.rows:
        mask = bands == row["group"]
        assert row["n"] == mask.sum()
        assert row["adverse_rate"] == pytest.approx(adverse[mask].mean())
        assert row["tpr"] == pytest.approx(adverse[mask & (y == 1)].mean())
        assert row["fpr"] == pytest.approx(adverse[mask & (y == 0)].mean())
        assert row["mean_score"] == pytest.approx(score[mask].mean())
        assert row["bad_rate"] == pytest.approx(y[mask].mean())
        assert row["ratio_low"] <= row["adverse_ratio"] <= row["ratio_high"]


def test_a_breach_needs_its_interval_outside_the_band():
    groups, y, score = _holdout()
    result = assess(groups, y, score, ["age_band"], [], FairnessSettings(), 0.7)
    by_group = {r["group"]: r for r in result.rows}
    assert by_group["A"]["reference"] == "A" and by_group["B"]["ratio_low"] > 1.25
    assert [r["group"] for r in result.breaches] == ["B"] and result.status == "breach"
    # C's point ratio may be outside the band, but 100 records leave its interval reaching into it
    assert "C" not in {r["group"] for r in result.breaches}
    assert by_group["C"]["ratio_low"] <= 1.25
    assert describe(result.breaches)[0].startswith("age_band=B adverse ratio ")
    assert "[" in describe(result.breaches)[0]


def test_report_metrics_and_tags_count_the_same_lists():
    groups, y, score = _holdout()
    warnings = ["protected attribute 'gender' matches no key in the data: it is not checked"]
    result = assess(groups, y, score, ["age_band", "gender"], warnings, FairnessSettings(), 0.7)
    metrics, tags = result.metrics(), result.tags()
    assert result.checked == ["age_band"]
    assert metrics["fairness_breaches"] == len(result.breaches) == len(tags["fairness_breaches"].split("; "))
    assert metrics["fairness_flagged_groups"] == len(result.flagged) == int(tags["fairness_flagged_groups"])
    assert metrics["fairness_warnings"] == len(result.notes) >= 1 and tags["fairness_warnings"] != "none"
    assert warnings[0] in result.notes and tags["fairness_status"] == "breach"
    clean = assess(groups[:1400], y[:1400], score[:1400], ["age_band"], [], FairnessSettings(), 0.7)
    assert clean.status == "clear" and clean.metrics()["fairness_warnings"] == 0
    assert clean.tags()["fairness_warnings"] == "none" and clean.tags()["fairness_breaches"] == "none"
    none = assess(groups, y, score, ["gender"], warnings, FairnessSettings(), 0.7)
    assert none.status == "not_checked" and none.metrics()["fairness_warnings"] == 1


def test_a_breach_keeps_the_version_challenger_and_only_it_can_be_overridden():
    metrics, baseline = {"auc": 0.8, "ece": 0.01}, {"auc": 0.7}
    breach = ["age_band=B adverse ratio 1.90 [1.70, 2.10] vs A (n 500)"]
    first = decide(metrics, baseline, None, GateSettings(), fairness_flags=breach, refuse_on_fairness=True)
    assert first.decision == "challenger" and not first.promote and first.fairness_blocked
    assert any("kept as challenger" in r for r in first.reasons)
    champion = {"auc": 0.8, "ece": 0.01}
    later = decide(metrics, baseline, champion, GateSettings(), fairness_flags=breach, refuse_on_fairness=True)
    assert later.decision == "rejected" and later.fairness_blocked
    floor = decide(
        {"auc": 0.5, "ece": 0.01}, baseline, None, GateSettings(), fairness_flags=breach, refuse_on_fairness=True
    )
    assert floor.decision == "rejected" and not floor.fairness_blocked  # the floor failed too: no override
    notes = ["age_band=C adverse ratio 1.30 [0.95, 1.70] vs A (n 100) (interval reaches into the band)"]
    warned = decide(metrics, baseline, None, GateSettings(), fairness_notes=notes, refuse_on_fairness=True)
    assert warned.decision == "promoted" and f"warning: fairness: {notes[0]}" in warned.reasons


def test_four_eyes_holds_a_passing_version_and_the_description_says_why():
    decision = decide({"auc": 0.8, "ece": 0.01}, {"auc": 0.7}, None, GateSettings(), require_approval=True)
    assert decision.passed and not decision.promote and decision.decision == "awaiting_approval"
    text = description(decision)
    assert text.startswith("Gate: awaiting_approval (passed: true)\n- no champion yet")
    assert "finrisk approve" in text


def test_production_defaults_block_on_fairness_and_require_approval(monkeypatch):
    monkeypatch.delenv("FINRISK_APPROVAL__REQUIRED", raising=False)
    settings = Settings()
    assert settings.fairness.gate_refuse is True and settings.approval.required is True
    assert settings.approval.refuse_unapproved_champion is True


def test_zero_counts_give_honest_intervals_not_zero_or_nan():
    from finrisk.models.fairness import flag_groups, ratio_intervals

    rows = [
        {"attribute": "age_band", "group": "45-54", "n": 600, "adverse_rate": 0.2},
        {"attribute": "age_band", "group": "65+", "n": 7, "adverse_rate": 0.0},  # 0 of 7: says little
        {"attribute": "age_band", "group": "25-34", "n": 400, "adverse_rate": 0.0},  # 0 of 400: says a lot
    ]
    flag_groups(rows, ["age_band"])
    ratio_intervals(rows, n_boot=2000)
    small, large = rows[1], rows[2]
    assert small["adverse_ratio"] == large["adverse_ratio"] == 0.0
    assert small["ratio_high"] > 0.8 and large["ratio_high"] < 0.8  # only the large group is a breach
    rows = [
        {"attribute": "age_band", "group": "51+", "n": 40, "adverse_rate": 0.0},
        {"attribute": "age_band", "group": "18-30", "n": 14, "adverse_rate": 0.5},
    ]
    flag_groups(rows, ["age_band"], reference="largest")
    ratio_intervals(rows, n_boot=2000)
    assert rows[1]["adverse_ratio"] == float("inf")
    assert 1.25 < rows[1]["ratio_low"] < rows[1]["ratio_high"] < float("inf")
