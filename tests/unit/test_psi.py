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


def test_sparse_reference_bins_are_merged_until_each_expects_enough_rows():
    from finrisk.monitoring.psi import merge_counts, merge_edges, merge_sparse_bins

    ref = [0.005, 0.005, 0.3, 0.3, 0.38, 0.004, 0.006]
    groups = merge_sparse_bins(ref, rows=500, min_expected=5.0)  # the bins expect 2.5, 2.5, 150, 150, 190, 2, 3 rows
    assert groups == [[0, 1], [2], [3], [4], [5, 6]]  # 2.5 + 2.5 = 5 closes a group; the short tail joins its left
    assert merge_counts([1, 2, 3, 4, 5, 6, 7], groups) == [3, 3, 4, 5, 13]
    edges = [0, 1, 2, 3, 4, 5, 6, 7]
    assert merge_edges(edges, 7, groups) == [0, 2, 3, 4, 5, 7]
    assert merge_edges(edges[1:-1], 7, groups) == [2, 3, 4, 5]  # inner-threshold convention kept
    assert merge_sparse_bins(ref, rows=10_000, min_expected=5.0) == [[i] for i in range(7)]  # big enough: untouched
    assert merge_sparse_bins(ref, rows=4, min_expected=5.0) == [list(range(7))]  # too few rows for two bins


def test_a_small_sample_is_insufficient_and_pooling_makes_it_sufficient():
    from datetime import date

    from finrisk.monitoring.stability import PsiRules, judge

    ref = {"edges": [0.0, 0.25, 0.5, 0.75, 1.0], "shares": [0.25, 0.25, 0.25, 0.25]}
    rules = PsiRules(threshold=0.25, watch=0.1, min_rows=500, min_bin_expected=5.0, pool_nights=7)
    night = date(2024, 1, 10)
    value, flagged, detail = judge(ref, [0, 0, 0, 40], [], rules, night)  # 40 rows, all in the top bin
    assert (value, flagged, detail["status"], detail["rows"]) == (None, False, "insufficient_sample", 40)
    assert detail["psi_small_sample"] > 1  # a huge PSI on 40 rows, kept aside, never the row's value
    tiny = judge(ref, [0, 0, 0, 8], [], rules, night)[2]  # 8 rows expect 2 per bin: merged into one, no PSI at all
    assert tiny["bins"] == 1 and tiny["psi_small_sample"] is None and tiny["merged_edges"] == [0.0, 1.0]
    earlier = [(date(2024, 1, 10 - i), [50, 50, 50, 50]) for i in range(1, 9)]
    value, flagged, detail = judge(ref, [0, 0, 0, 40], earlier, rules, night)
    assert detail["pooled_nights"] == ["2024-01-10", *(f"2024-01-0{10 - i}" for i in range(1, 4))]  # 40 + 3 x 200
    assert detail["rows"] == 640 and detail["status"] == "stable" and not flagged and value < 0.1
    shifted = judge(ref, [0, 0, 100, 500], [], rules, night)
    assert shifted[1] and shifted[2]["status"] == "drift" and shifted[0] > 0.25 and shifted[2]["rows"] == 600
