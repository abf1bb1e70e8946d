"""Compare PDs with the outcomes that followed: per band and overall, each figure with its sample.

`compare(pds, bands, defaulted, cfg)` is pure: the observed default rate against the mean PD, the
Jeffreys and binomial tests, the traffic light, Hosmer-Lemeshow over the bands, the realised AUC
with a bootstrap interval and the concentration of the sample across bands. The model's light is
the worst light among the whole sample and its bands (a band may fail where the book passes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from finrisk.backtest.calibration import binomial_p, hosmer_lemeshow, jeffreys_p
from finrisk.backtest.discrimination import bootstrap_auc
from finrisk.backtest.lights import light, worst
from finrisk.backtest.migration import hhi
from finrisk.bands import BANDS


@dataclass(frozen=True)
class Cell:
    """One group (a band, or 'all'): its sample, observed rate against mean PD, the tests and the light."""

    risk_band: str
    observations: int
    defaults: int
    mean_pd: float
    observed_rate: float
    jeffreys_p: float
    binomial_p: float
    light: str


@dataclass(frozen=True)
class Comparison:
    """The whole comparison: overall and per band, HL, AUC and its interval, concentration, the light."""

    overall: Cell
    bands: list[Cell]
    hl_statistic: float
    hl_dof: int
    hl_p: float
    auc: float
    auc_low: float
    auc_high: float
    hhi: float
    light: str
    extra: dict = field(default_factory=dict)

    def as_row(self) -> dict:
        """The flat figures of the model row (risk.backtest_runs), the overall cell's included."""
        row = {k: v for k, v in asdict(self).items() if k not in ("overall", "bands", "extra")}
        row.update({k: v for k, v in asdict(self.overall).items() if k not in ("risk_band", "light")})
        return row


def _cell(name: str, pd: np.ndarray, y: np.ndarray, cfg) -> Cell:
    n, d = int(len(y)), int(y.sum())
    mean_pd = float(pd.mean()) if n else float("nan")
    jp = jeffreys_p(mean_pd, d, n) if n else float("nan")
    return Cell(
        name,
        n,
        d,
        mean_pd,
        d / n if n else float("nan"),
        jp,
        binomial_p(mean_pd, d, n) if n else float("nan"),
        light(jp, n, cfg.amber_p, cfg.red_p, cfg.min_observations),
    )


def compare(pds, bands, defaulted, cfg, seed: int = 0) -> Comparison:
    """The back-test of PDs `pds` (banded `bands`) against `defaulted`, with the levels in `cfg` (BacktestSettings)."""
    pd = np.asarray(pds, dtype=float)
    band = np.asarray(bands, dtype=object)
    y = np.asarray(defaulted, dtype=bool)
    overall = _cell("all", pd, y, cfg)
    cells = [_cell(b, pd[band == b], y[band == b], cfg) for b in BANDS if (band == b).any()]
    hl = hosmer_lemeshow(
        np.array([c.observations for c in cells]),
        np.array([c.defaults for c in cells]),
        np.array([c.mean_pd for c in cells]),
    )
    interval = bootstrap_auc(pd, y, cfg.bootstrap_samples, seed=seed)
    return Comparison(
        overall,
        cells,
        hl.statistic,
        hl.dof,
        hl.p_value,
        interval.auc,
        interval.low,
        interval.high,
        hhi({c.risk_band: c.observations for c in cells}),
        worst([overall.light, *(c.light for c in cells)]),
    )
