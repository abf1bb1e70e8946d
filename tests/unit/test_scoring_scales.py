"""Scorecard points and bands from a PD."""

import math

import pytest

from finrisk.bands import band_rank, check_cutoffs, risk_band, score_points


def test_anchor_and_points_to_double_the_odds():
    pd_at_50_to_1 = 1 / 51
    assert score_points(pd_at_50_to_1) == 600
    pd_at_100_to_1 = 1 / 101
    assert score_points(pd_at_100_to_1) == 620
    assert score_points(1 / 26) == 580


def test_points_are_monotone_and_clamped():
    pds = [0.0, 0.001, 0.01, 0.1, 0.5, 0.9, 1.0]
    points = [score_points(p) for p in pds]
    assert points == sorted(points, reverse=True)
    assert points[0] == 900 and points[-1] == 300
    assert all(isinstance(p, int) for p in points)


def test_bands():
    cut = [0.02, 0.05, 0.10, 0.20]
    assert [risk_band(p, cut) for p in (0.0, 0.019, 0.02, 0.07, 0.15, 0.2, 1.0)] == ["A", "A", "B", "C", "D", "E", "E"]
    assert band_rank("A") == 0 and band_rank("E") == 4


def test_bad_cutoffs_are_refused():
    check_cutoffs([0.02, 0.05, 0.10, 0.20])
    for bad in ([0.1, 0.05, 0.2, 0.3], [0.1, 0.2, 0.3], [0, 0.1, 0.2, 0.3], [0.1, 0.1, 0.2, 0.3]):
        with pytest.raises(ValueError):
            check_cutoffs(bad)
    assert not math.isnan(score_points(0.5))
