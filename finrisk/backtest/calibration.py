"""Calibration tests of a PD against observed defaults: Jeffreys, binomial, Hosmer-Lemeshow.

All three are one-sided where a regulator asks the one-sided question (does the PD *underestimate*
the defaults?): a small p means more defaults than the PD allows. The Jeffreys test is the one the
ECB's instructions for IRB validation use: with a Jeffreys prior Beta(1/2, 1/2), the posterior of the
default rate after D defaults in N is Beta(D + 1/2, N - D + 1/2), and p is its mass below the PD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


def jeffreys_p(pd: float, defaults: int, observations: int) -> float:
    """One-sided Jeffreys p-value: P(default rate <= pd) under Beta(D + 1/2, N - D + 1/2)."""
    if observations <= 0:
        return float("nan")
    return float(stats.beta.cdf(pd, defaults + 0.5, observations - defaults + 0.5))


def binomial_p(pd: float, defaults: int, observations: int) -> float:
    """One-sided exact binomial p-value: P(X >= D) for X ~ Binomial(N, pd)."""
    if observations <= 0:
        return float("nan")
    return float(stats.binom.sf(defaults - 1, observations, pd))


@dataclass(frozen=True)
class HosmerLemeshow:
    """The Hosmer-Lemeshow statistic over groups, its degrees of freedom and p-value."""

    statistic: float
    groups: int
    dof: int
    p_value: float


def hosmer_lemeshow(
    observations: np.ndarray, defaults: np.ndarray, mean_pd: np.ndarray, in_sample: bool = False
) -> HosmerLemeshow:
    """HL over groups (e.g. bands) given each group's N, D and mean PD.

    Out of sample (a back-test of PDs fixed before the outcomes) the statistic is chi-square with as
    many degrees of freedom as groups; on the sample the PDs were fitted on, two fewer."""
    n = np.asarray(observations, dtype=float)
    d = np.asarray(defaults, dtype=float)
    p = np.clip(np.asarray(mean_pd, dtype=float), 1e-12, 1 - 1e-12)
    keep = n > 0
    n, d, p = n[keep], d[keep], p[keep]
    groups = int(len(n))
    if groups == 0:
        return HosmerLemeshow(float("nan"), 0, 0, float("nan"))
    expected = n * p
    statistic = float(np.sum((d - expected) ** 2 / (expected * (1 - p))))
    dof = max(groups - 2, 1) if in_sample else groups
    return HosmerLemeshow(statistic, groups, dof, float(stats.chi2.sf(statistic, dof)))
