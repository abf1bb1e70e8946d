"""Every branch of the promotion gate's decision (pure; no MLflow)."""

from finrisk.config import GateSettings
from finrisk.registry.gate import decide

GOOD = {"auc": 0.80, "ece": 0.03}
BASE = {"auc": 0.70}


def test_better_than_champion_is_promoted():
    d = decide(GOOD, BASE, {"auc": 0.75}, GateSettings())
    assert (d.passed, d.promote, d.decision, d.beats_baseline) == (True, True, "promoted", True)


def test_worse_than_champion_is_rejected():
    d = decide(GOOD, BASE, {"auc": 0.85}, GateSettings(auc_margin=0.01))
    assert (d.passed, d.decision) == (False, "rejected")
    assert any("worse than champion" in r for r in d.reasons)


def test_within_margin_passes():
    assert decide(GOOD, BASE, {"auc": 0.805}, GateSettings(auc_margin=0.01)).passed


def test_no_champion_beats_baseline_becomes_champion_with_calibration_warning():
    d = decide({"auc": 0.8, "ece": 0.5}, {"auc": 0.7}, None, GateSettings())
    assert d.promote and d.decision == "promoted"
    assert "no champion yet" in d.reasons
    assert any(r.startswith("warning: calibration") for r in d.reasons)


def test_no_champion_that_loses_to_the_best_baseline_stays_challenger():
    d = decide({"auc": 0.8, "ece": 0.02}, {"auc": 0.9}, None, GateSettings(), baseline_name="tfidf")
    assert (d.passed, d.promote, d.decision, d.beats_baseline) == (False, False, "challenger", False)
    assert any("does not beat best baseline (tfidf)" in r for r in d.reasons)
    assert any("until a person promotes it" in r for r in d.reasons)


def test_baseline_margin_is_configurable():
    assert decide(GOOD, {"auc": 0.79}, None, GateSettings()).decision == "promoted"
    d = decide(GOOD, {"auc": 0.79}, None, GateSettings(baseline_margin=0.02))
    assert d.decision == "challenger" and not d.beats_baseline


def test_below_floor_is_rejected_even_without_champion():
    d = decide({"auc": 0.55, "ece": 0.01}, BASE, None, GateSettings(min_auc=0.6))
    assert not d.passed and d.decision == "rejected"
    assert any("below floor" in r for r in d.reasons)


def test_baseline_not_beaten_is_rejected_against_a_champion():
    d = decide(GOOD, {"auc": 0.9}, {"auc": 0.7}, GateSettings())
    assert not d.passed and not d.beats_baseline
    assert any("does not beat best baseline" in r for r in d.reasons)


def test_poor_calibration_is_rejected():
    d = decide({"auc": 0.8, "ece": 0.3}, BASE, {"auc": 0.7}, GateSettings(max_calibration_error=0.1))
    assert not d.passed


def test_news_uses_macro_f1_floor_and_skips_baseline():
    ok = decide(
        {"auc": 0.8, "macro_f1": 0.6, "ece": 0.05},
        {"auc": 0.95, "macro_f1": 0.7},
        None,
        GateSettings(),
        primary="macro_f1",
        must_beat_baseline=False,
    )
    low = decide(
        {"auc": 0.8, "macro_f1": 0.2, "ece": 0.05},
        None,
        None,
        GateSettings(),
        primary="macro_f1",
        must_beat_baseline=False,
    )
    assert ok.promote and not low.passed


def test_auto_promote_off_keeps_challenger():
    d = decide(GOOD, BASE, {"auc": 0.7}, GateSettings(auto_promote=False))
    assert d.passed and not d.promote and d.decision == "challenger"
