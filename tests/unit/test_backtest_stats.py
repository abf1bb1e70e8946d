"""The back-test's statistics against scipy and sklearn, and performance estimated before labels (CBPE)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from finrisk.backtest.calibration import binomial_p, hosmer_lemeshow, jeffreys_p
from finrisk.backtest.compare import compare
from finrisk.backtest.discrimination import auc, bootstrap_auc
from finrisk.backtest.estimate import estimated_auc, expected_default_rate
from finrisk.backtest.lights import light, worst
from finrisk.backtest.migration import hhi, migration_matrix, stability
from finrisk.config import BacktestSettings


@pytest.mark.parametrize(("pd", "defaults", "n"), [(0.01, 0, 50), (0.05, 3, 120), (0.07, 20, 200), (0.2, 50, 1000)])
def test_jeffreys_p_is_the_beta_posterior_mass_below_the_pd(pd, defaults, n):
    assert jeffreys_p(pd, defaults, n) == pytest.approx(
        stats.beta.cdf(pd, defaults + 0.5, n - defaults + 0.5), abs=1e-15
    )


@pytest.mark.parametrize(("pd", "defaults", "n"), [(0.05, 3, 120), (0.07, 20, 200), (0.02, 0, 10)])
def test_binomial_p_is_scipys_one_sided_binomial_test(pd, defaults, n):
    assert binomial_p(pd, defaults, n) == pytest.approx(stats.binomtest(defaults, n, pd, alternative="greater").pvalue)


def test_hosmer_lemeshow_by_hand_and_out_of_sample_dof():
    n, d, p = np.array([100, 200]), np.array([5, 30]), np.array([0.05, 0.10])
    expected = (5 - 5) ** 2 / (5 * 0.95) + (30 - 20) ** 2 / (20 * 0.9)
    hl = hosmer_lemeshow(n, d, p)
    assert hl.statistic == pytest.approx(expected) and hl.dof == 2
    assert hl.p_value == pytest.approx(stats.chi2.sf(expected, 2))


def test_lights_follow_the_configured_levels():
    assert light(0.2, 100, 0.05, 0.01, 30) == "green"
    assert light(0.03, 100, 0.05, 0.01, 30) == "amber"
    assert light(0.001, 100, 0.05, 0.01, 30) == "red"
    assert light(0.001, 10, 0.05, 0.01, 30) == "insufficient"
    assert light(0.03, 100, 0.02, 0.01, 30) == "green"  # a stricter bank's amber level
    assert worst(["green", "insufficient", "amber"]) == "amber" and worst(["insufficient"]) == "insufficient"
    with pytest.raises(ValueError):
        light(0.5, 100, 0.01, 0.05, 30)


def test_auc_equals_sklearn_and_its_interval_holds_it():
    rng = np.random.default_rng(1)
    y = rng.random(800) < 0.1
    s = rng.normal(size=800) + y * 1.0
    s[:50] = 0.0  # ties
    assert auc(s, y) == pytest.approx(roc_auc_score(y, s))
    interval = bootstrap_auc(s, y, samples=200)
    assert interval.low < interval.auc < interval.high and interval.observations == 800
    assert interval.defaults == int(y.sum())


def test_migration_matrix_stability_and_concentration():
    counts = migration_matrix({"a": "A", "b": "B", "c": "C", "gone": "E"}, {"a": "A", "b": "C", "c": "E", "new": "A"})
    assert counts[("A", "A")] == 1 and counts[("B", "C")] == 1 and counts[("C", "E")] == 1
    assert sum(counts.values()) == 3 and len(counts) == 25
    assert stability(counts) == pytest.approx({"stayed": 1 / 3, "one_band": 1 / 3, "further": 1 / 3})
    assert hhi({"A": 10, "B": 10, "C": 10, "D": 10, "E": 10}) == pytest.approx(0.2)
    assert hhi({"C": 7}) == pytest.approx(1.0)


def test_compare_lights_a_band_whose_pd_understates_defaults():
    rng = np.random.default_rng(3)
    pds = np.concatenate([np.full(2000, 0.02), np.full(2000, 0.10)])
    bands = np.array(["A"] * 2000 + ["C"] * 2000, dtype=object)
    truth = np.concatenate([np.full(2000, 0.02), np.full(2000, 0.16)])  # band C really defaults at 16%
    result = compare(pds, bands, rng.random(4000) < truth, BacktestSettings(bootstrap_samples=50))
    by_band = {c.risk_band: c for c in result.bands}
    assert by_band["C"].light == "red" and by_band["C"].observations == 2000
    assert result.light == "red" and result.overall.observations == 4000
    assert by_band["A"].light in ("green", "amber")


def _calibrated_population(rng, n: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """A calibrated model on a population: p = P(default | x), x ~ N(0, spread); labels drawn from p."""
    x = rng.normal(0.0, spread, n)
    p = 1 / (1 + np.exp(-(-2.8 + 1.2 * x)))
    return p, rng.random(n) < p


def test_estimated_auc_lies_in_the_realised_interval_and_follows_a_covariate_shift():
    rng = np.random.default_rng(11)
    p, hidden = _calibrated_population(rng, 4000, 1.0)
    before = bootstrap_auc(p, hidden, samples=200)
    assert before.low <= estimated_auc(p) <= before.high
    assert expected_default_rate(p) == pytest.approx(hidden.mean(), abs=0.015)
    # planted covariate shift: the population concentrates (x's spread halves); P(default | x) is unchanged
    q, later = _calibrated_population(rng, 4000, 0.5)
    after = bootstrap_auc(q, later, samples=200)
    assert after.auc < before.low  # the realised AUC drops ...
    assert after.low <= estimated_auc(q) <= after.high  # ... and the estimate follows it
    assert estimated_auc(q) < estimated_auc(p) - 0.05


def test_estimated_auc_matches_the_expected_concordance_by_brute_force():
    p = np.array([0.1, 0.1, 0.3, 0.6, 0.9])
    num = den = 0.0
    for i in range(5):
        for j in range(5):
            if i != j:
                w = p[i] * (1 - p[j])
                den += w
                num += w * (1.0 if p[i] > p[j] else 0.5 if p[i] == p[j] else 0.0)
    assert estimated_auc(p) == pytest.approx(num / den)
