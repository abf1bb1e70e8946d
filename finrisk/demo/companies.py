"""Companies in the news: invented names, how large an employer each is, and which run into trouble.

Some companies employ customers, some only appear in the news. A troubled company gets
more and more negative coverage from its trouble onset on; its employees' default risk
rises through that news (see outcomes.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from finrisk.demo.common import DAY, Window, stream

_STEMS = (
    "Nordvik",
    "Alba",
    "Castell",
    "Brenner",
    "Helio",
    "Vantor",
    "Kessler",
    "Lumen",
    "Orsa",
    "Tessin",
    "Valmont",
    "Rhein",
    "Solvay",
    "Aurel",
    "Baltic",
    "Corvi",
    "Delta",
    "Elbe",
    "Ferro",
    "Garonne",
    "Hansa",
    "Iberia",
    "Jura",
    "Karst",
    "Loire",
    "Meridian",
    "Nova",
    "Oder",
    "Pallas",
    "Quarz",
    "Rivo",
    "Sarto",
    "Tauris",
    "Umbra",
    "Vesta",
    "Westfal",
    "Zenit",
    "Arden",
    "Bora",
    "Cedro",
    "Dunmore",
    "Estrel",
    "Fjell",
    "Granit",
    "Halden",
    "Isar",
    "Kalmar",
    "Lago",
    "Mosel",
    "Nero",
    "Ostra",
    "Polar",
    "Ria",
    "Silva",
    "Tamar",
    "Vigo",
)
_SECTORS = (
    "Logistics",
    "Foods",
    "Steel",
    "Pharma",
    "Energy",
    "Retail",
    "Motors",
    "Textiles",
    "Chemicals",
    "Software",
    "Construction",
    "Paper",
    "Shipping",
    "Telecom",
    "Hotels",
    "Airlines",
    "Insurance",
    "Brewing",
    "Plastics",
    "Machinery",
    "Solar",
    "Furniture",
    "Media",
    "Health",
)
_FORMS = ("AG", "SA", "NV", "SpA", "GmbH", "Group", "plc", "Holding", "Oy", "SE")
_SURNAMES = (
    "Muller",
    "Schmidt",
    "Dubois",
    "Martin",
    "Rossi",
    "Bianchi",
    "Garcia",
    "Lopez",
    "de Vries",
    "Janssen",
    "Peeters",
    "Gruber",
    "Murphy",
    "Virtanen",
    "Silva",
    "Weber",
    "Moreau",
    "Ricci",
    "Fernandez",
    "Bakker",
)
_TRADES = (
    "Bakery",
    "Plumbing",
    "Electrics",
    "Cafe",
    "Hair Studio",
    "Carpentry",
    "Design",
    "Florist",
    "Auto Repair",
    "Bookkeeping",
    "Dental Practice",
    "Catering",
    "Cleaning Services",
    "Print Shop",
    "Physio",
    "IT Consulting",
)


@dataclass(frozen=True)
class Companies:
    """The news universe: names, employer weight (0 = employs no customer), trouble flag and onset."""

    names: np.ndarray  # object
    employer_weight: np.ndarray  # float, sums to 1 over employers
    troubled: np.ndarray  # bool
    trouble_onset: np.ndarray  # int64 epoch seconds; meaningful where troubled

    def __len__(self) -> int:
        return len(self.names)


def make_companies(seed: int, customers: int, window: Window) -> Companies:
    """Roughly one company per 25 customers, a fifth of them employing nobody; 12% run into trouble."""
    rng = stream(seed, "companies")
    count = int(np.clip(customers // 25, 12, len(_STEMS) * len(_SECTORS)))
    combos = rng.permutation(len(_STEMS) * len(_SECTORS))[:count]
    forms = rng.integers(0, len(_FORMS), count)
    names = np.array(
        [f"{_STEMS[c // len(_SECTORS)]} {_SECTORS[c % len(_SECTORS)]} {_FORMS[f]}" for c, f in zip(combos, forms)],
        dtype=object,
    )
    employs = rng.random(count) < 0.8
    employs[0] = True
    weight = np.where(employs, rng.pareto(1.2, count) + 0.05, 0.0)
    troubled = rng.random(count) < 0.12
    # Trouble starts anywhere from two months before the window to near its end.
    onset = window.start + (rng.uniform(-60, window.days * 0.85, count) * DAY).astype(np.int64)
    return Companies(names, weight / weight.sum(), troubled, onset)


def own_business_names(rng: np.random.Generator, count: int) -> np.ndarray:
    """Small businesses owned by customers, such as 'Rossi Bakery'; rarely in the news."""
    s = rng.integers(0, len(_SURNAMES), count)
    t = rng.integers(0, len(_TRADES), count)
    return np.array([f"{_SURNAMES[i]} {_TRADES[j]}" for i, j in zip(s, t)], dtype=object)
