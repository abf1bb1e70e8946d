"""PSI math: identical populations are stable, a shifted one is flagged."""

import math

import numpy as np
import pytest

from finrisk.monitoring.psi import (
    bin_counts,
    counts_from_buckets,
    inner_thresholds,
    is_flagged,
    psi,
    psi_against,
    shares,
)


def _reference(values, bins=10):
    edges = np.quantile(values, np.linspace(0, 1, bins + 1))
    counts = bin_counts(values, edges[1:-1])
    return {"edges": edges.tolist(), "shares": shares(counts).tolist()}


def test_same_population_is_stable():
    rng = np.random.default_rng(0)
    ref = _reference(rng.beta(2, 20, 20_000))
    value, actual = psi_against(ref, rng.beta(2, 20, 20_000))
    assert value < 0.02
    assert math.isclose(sum(actual), 1.0, abs_tol=1e-4)


def test_shifted_population_is_flagged():
    rng = np.random.default_rng(1)
    ref = _reference(rng.beta(2, 20, 20_000))
    value, _ = psi_against(ref, rng.beta(4, 12, 20_000))
    assert value > 0.25 and is_flagged(value, 0.25)


def test_values_outside_the_edges_land_in_the_outer_bins():
    counts = bin_counts([-5, 0.5, 99], [0.0, 1.0])
    assert counts.tolist() == [1, 1, 1]


def test_edge_conventions_and_bucket_counts():
    assert inner_thresholds([0, 1, 2, 3], 3) == [1.0, 2.0]
    assert inner_thresholds([1, 2], 3) == [1.0, 2.0]
    with pytest.raises(ValueError):
        inner_thresholds([1], 3)
    assert counts_from_buckets([(0, 2), (2, 3), (7, 1)], 3).tolist() == [2, 0, 4]


def test_known_value_and_empty_input():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    expected = (0.7 - 0.5) * math.log(0.7 / 0.5) + (0.3 - 0.5) * math.log(0.3 / 0.5)
    assert math.isclose(psi([50, 50], [70, 30]), expected)
    assert math.isnan(psi([1, 1], [0, 0])) and not is_flagged(float("nan"), 0.25)
