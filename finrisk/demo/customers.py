"""Customers: profile attributes, segment, company, notes, and the hidden traits behind their behaviour.

Risk has two parts. `profile_logit` comes from the profile a model can see (utilisation,
income, arrears, housing, ...). `hidden` is a standard normal the profile never shows;
it leaks only noisily, through the phrases a relationship manager writes and through
financial distress in the card transactions. Credit outcomes (outcomes.py) add both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from finrisk.demo import vocab
from finrisk.demo.common import DAY, Window, ids, iso_times, pick, sigmoid, stream
from finrisk.demo.companies import Companies, own_business_names
from finrisk.demo.notes import write_notes

_AGE_BANDS = ((18, "18-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"), (55, "55-64"), (65, "65+"))
_HOUSING = ("own", "mortgage", "rent", "with_parents")
_HOUSING_RISK = np.array([-0.3, -0.1, 0.2, 0.1])
_SEGMENT_RISK = np.array([0.0, -0.35, 0.25, 0.2, -0.6])
PROFILE_WEIGHT = 1.7  # how loud the visible profile is against the hidden part and the outcome noise


@dataclass
class Customers:
    """The customers table plus the traits that drive their transactions and outcomes."""

    frame: pd.DataFrame
    segment: np.ndarray
    home: np.ndarray  # index into vocab.COUNTRIES
    employer: np.ndarray  # index into Companies, -1 when none in the news universe
    profile_logit: np.ndarray
    hidden: np.ndarray
    activity: np.ndarray  # expected transactions per day
    spend_scale: np.ndarray
    travel: np.ndarray  # share of transactions abroad
    distressed: np.ndarray  # bool
    distress_onset: np.ndarray  # epoch seconds


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-9)


def make_customers(seed: int, count: int, window: Window, companies: Companies) -> Customers:
    """`count` customers with varied profiles; deterministic for the seed."""
    rng = stream(seed, "customers")
    seg = pick(rng, vocab.SEGMENT_WEIGHTS, count)
    student, business = seg == 3, seg == 2
    age = np.where(student, rng.integers(18, 28, count), np.clip(rng.normal(46, 15, count), 21, 88)).astype(int)
    income = np.array(vocab.SEGMENT_INCOME)[seg] * rng.lognormal(0.0, 0.45, count) * np.where(age < 25, 0.7, 1.0)
    income = np.round(income, -2)
    status = np.select(
        [student, business, age >= 67, rng.random(count) < 0.05, rng.random(count) < 0.06],
        ["student", "self_employed", "retired", "unemployed", "self_employed"],
        "employed",
    )
    employment_years = np.where(
        np.isin(status, ["employed", "self_employed"]),
        np.round(rng.uniform(0, 1, count) ** 1.3 * np.minimum(age - 18, 40), 1),
        0.0,
    )
    h_p = np.stack(
        [
            np.where(age > 35, 0.3, 0.08),
            np.where(income > 40_000, 0.35, 0.2),
            np.full(count, 0.35),
            np.where(age < 27, 0.5, 0.02),
        ],
        axis=1,
    )
    housing = (rng.random(count)[:, None] > np.cumsum(h_p / h_p.sum(1, keepdims=True), 1)).sum(1)
    dependents = np.where((age > 27) & (age < 60), rng.poisson(0.9, count), 0)
    tenure = np.minimum(rng.geometric(1 / 70, count), (age - 17) * 12)
    limit = np.maximum(500, np.round(income * rng.uniform(0.06, 0.2, count) / 500) * 500)
    utilisation = np.round(rng.beta(1.6, 3.5, count), 2)
    arrears = rng.poisson(0.12 * np.exp(2.2 * utilisation), count)
    home = pick(rng, vocab.HOME_WEIGHTS, count)

    profile_logit = PROFILE_WEIGHT * (
        0.35 * _z(utilisation)
        - 0.35 * _z(np.log(income))
        - 0.2 * _z(np.minimum(employment_years, 20))
        + 0.3 * np.minimum(arrears, 3)
        + _HOUSING_RISK[housing]
        + _SEGMENT_RISK[seg]
        + 0.25 * (age < 25)
        + 0.5 * (status == "unemployed")
        + 0.05 * dependents
    )
    hidden = rng.standard_normal(count)

    # Employer: a company in the news for most employees, an own business for the self-employed.
    works = (status == "employed") & (rng.random(count) < 0.93)
    employer = np.where(works, rng.choice(len(companies), count, p=companies.employer_weight), -1)
    company = np.where(employer >= 0, companies.names[np.maximum(employer, 0)], None)
    own = (status == "self_employed") & (rng.random(count) < 0.9)
    company = np.where(own, own_business_names(rng, count), company)

    profiles = _profiles(
        rng, seg, age, income, status, employment_years, housing, dependents, tenure, limit, utilisation, arrears, home
    )
    notes = write_notes(rng, hidden, arrears, seg)

    # Most records were last touched well before the window; about 5% inside it.
    inside = rng.random(count) < 0.05
    before = window.start - (rng.uniform(1, 900, count) * DAY).astype(np.int64)
    within = window.start + (rng.random(count) * window.days * DAY).astype(np.int64)
    updated = np.where(inside, within, before)
    frame = pd.DataFrame(
        {
            "customer_id": ids("C", count, 7),
            "updated_at": iso_times(updated),
            "segment": np.array(vocab.SEGMENTS, dtype=object)[seg],
            "company": company,
            "profile": profiles,
            "notes": notes,
        }
    )

    activity = rng.gamma(2.0, 0.5, count) * np.array([1.0, 1.3, 1.2, 0.8, 1.1])[seg]
    activity[rng.random(count) < 0.07] = 0.0  # dormant cards
    distressed = rng.random(count) < sigmoid(-2.2 + 1.1 * hidden + 0.4 * _z(utilisation))
    onset = window.start + (rng.uniform(-0.3, 1.0, count) * window.days * DAY).astype(np.int64)
    return Customers(
        frame=frame,
        segment=seg,
        home=home,
        employer=employer,
        profile_logit=profile_logit,
        hidden=hidden,
        activity=activity,
        spend_scale=(income / 36_000) ** 0.35 * rng.lognormal(0, 0.2, count),
        travel=rng.beta(1.2, 30, count) * np.where(seg == 1, 2.0, 1.0),
        distressed=distressed,
        distress_onset=onset,
    )


def _profiles(
    rng, seg, age, income, status, employment_years, housing, dependents, tenure, limit, utilisation, arrears, home
) -> np.ndarray:
    """Profile JSON text per customer; keys go missing at random and ~3% of profiles are empty."""
    count = len(seg)
    bands = np.array([b for _, b in _AGE_BANDS], dtype=object)[
        np.searchsorted([a for a, _ in _AGE_BANDS], age, "right") - 1
    ]
    products = np.array(["current_account"] * count, dtype=object)
    for name, p in (("credit_card", 0.85), ("savings", 0.45), ("personal_loan", 0.15), ("overdraft", 0.3)):
        products = np.where(rng.random(count) < p, products + "," + name, products)
    products = np.where(housing == 1, products + ",mortgage", products)
    products = np.where(seg >= 1, np.where(rng.random(count) < 0.5, products + ",investment", products), products)
    names = [vocab.REGIONS[c] for c in vocab.HOME_COUNTRIES]
    flat = np.array([r for group in names for r in group], dtype=object)
    first = np.cumsum([0] + [len(g) for g in names])[:-1]
    region = flat[first[home] + rng.integers(0, 1 << 30, count) % np.array([len(g) for g in names])[home]]
    columns = {
        "age_band": bands.tolist(),
        "income": income.astype(int).tolist(),
        "employment_status": status.tolist(),
        "employment_years": employment_years.tolist(),
        "housing": np.array(_HOUSING)[housing].tolist(),
        "dependents": dependents.tolist(),
        "tenure_months": tenure.tolist(),
        "products": products.tolist(),
        "credit_limit": limit.astype(int).tolist(),
        "utilisation": utilisation.tolist(),
        "arrears_24m": arrears.tolist(),
        "region": region.tolist(),
        "country": [vocab.HOME_COUNTRIES[h] for h in home],
        "marketing_opt_in": (rng.random(count) < 0.4).tolist(),
        "years_trading": np.where(seg == 2, rng.integers(1, 30, count), -1).tolist(),
        "annual_turnover": np.where(seg == 2, np.round(rng.lognormal(12.5, 0.8, count), -3), -1).astype(int).tolist(),
    }
    keep = rng.random((count, len(columns))) > 0.07
    empty = rng.random(count) < 0.03
    out = []
    for i in range(count):
        if empty[i]:
            out.append("{}")
            continue
        row = {k: v[i] for j, (k, v) in enumerate(columns.items()) if keep[i, j] and v[i] != -1}
        out.append(json.dumps(row))
    return np.array(out, dtype=object)
