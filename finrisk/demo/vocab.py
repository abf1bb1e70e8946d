"""Fixed vocabularies for the demo bank: segments, countries, currencies and merchant categories.

Everything here is invented. Names only need to read like a European card book; none of
them are real customers. Lists are ordered and never shuffled in place, so generation
stays deterministic for a seed.
"""

from __future__ import annotations

import numpy as np

SEGMENTS = ("retail", "premium", "small_business", "student", "private_banking")
SEGMENT_WEIGHTS = (0.68, 0.13, 0.12, 0.05, 0.02)
# Median yearly income (EUR) per segment; small business is the owner's drawings.
SEGMENT_INCOME = (36_000, 92_000, 58_000, 9_000, 240_000)

# The bank books in EUR; customers live in the euro area.
HOME_COUNTRIES = ("DE", "FR", "NL", "ES", "IT", "BE", "AT", "IE", "FI", "PT")
HOME_WEIGHTS = (0.30, 0.20, 0.12, 0.10, 0.10, 0.05, 0.05, 0.04, 0.02, 0.02)
REGIONS = {
    "DE": ("Bavaria", "Berlin", "Hesse", "Saxony", "Hamburg"),
    "FR": ("Ile-de-France", "Occitanie", "Brittany", "Grand Est"),
    "NL": ("North Holland", "Utrecht", "Gelderland"),
    "ES": ("Madrid", "Catalonia", "Andalusia"),
    "IT": ("Lombardy", "Lazio", "Piedmont"),
    "BE": ("Flanders", "Wallonia", "Brussels"),
    "AT": ("Vienna", "Tyrol", "Styria"),
    "IE": ("Leinster", "Munster"),
    "FI": ("Uusimaa", "Pirkanmaa"),
    "PT": ("Lisbon", "Porto"),
}

# Countries a card is used in, their currency and a few cities for descriptions.
COUNTRIES = (
    "DE",
    "FR",
    "NL",
    "ES",
    "IT",
    "BE",
    "AT",
    "IE",
    "FI",
    "PT",
    "GB",
    "US",
    "CH",
    "SE",
    "NO",
    "DK",
    "PL",
    "CZ",
    "JP",
    "CA",
    "AU",
    "GR",
    "HR",
)
COUNTRY_CURRENCY = {
    "GB": "GBP",
    "US": "USD",
    "CH": "CHF",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "PL": "PLN",
    "CZ": "CZK",
    "JP": "JPY",
    "CA": "CAD",
    "AU": "AUD",
}
CITIES = {
    "DE": ("BERLIN", "MUENCHEN", "HAMBURG", "KOELN"),
    "FR": ("PARIS", "LYON", "TOULOUSE"),
    "NL": ("AMSTERDAM", "UTRECHT", "ROTTERDAM"),
    "ES": ("MADRID", "BARCELONA", "SEVILLA"),
    "IT": ("MILANO", "ROMA", "TORINO"),
    "BE": ("BRUXELLES", "ANTWERPEN"),
    "AT": ("WIEN", "GRAZ"),
    "IE": ("DUBLIN", "CORK"),
    "FI": ("HELSINKI", "TAMPERE"),
    "PT": ("LISBOA", "PORTO"),
    "GB": ("LONDON", "MANCHESTER"),
    "US": ("NEW YORK", "MIAMI", "SAN FRANCISCO"),
    "CH": ("ZURICH", "GENEVA"),
    "SE": ("STOCKHOLM",),
    "NO": ("OSLO",),
    "DK": ("COPENHAGEN",),
    "PL": ("WARSZAWA", "KRAKOW"),
    "CZ": ("PRAHA",),
    "JP": ("TOKYO", "OSAKA"),
    "CA": ("TORONTO",),
    "AU": ("SYDNEY",),
    "GR": ("ATHINA",),
    "HR": ("SPLIT", "ZAGREB"),
}
# Where people travel to, and where fraudsters' transactions tend to come from.
TRAVEL_COUNTRIES = ("ES", "IT", "FR", "GB", "PT", "GR", "HR", "AT", "CH", "US", "DE", "NL", "SE", "DK", "JP")
TRAVEL_WEIGHTS = (0.14, 0.13, 0.11, 0.10, 0.07, 0.07, 0.06, 0.05, 0.05, 0.06, 0.05, 0.04, 0.03, 0.02, 0.02)
FRAUD_COUNTRIES = ("US", "GB", "PL", "CZ", "CA", "AU", "NO", "JP", "SE")
FRAUD_COUNTRY_WEIGHTS = (0.28, 0.2, 0.12, 0.09, 0.08, 0.07, 0.06, 0.05, 0.05)
# Units of currency per EUR, rounded; only for making foreign amounts look plausible.
FX_PER_EUR = {
    "EUR": 1.0,
    "USD": 1.08,
    "GBP": 0.85,
    "CHF": 0.95,
    "SEK": 11.4,
    "NOK": 11.6,
    "DKK": 7.46,
    "PLN": 4.3,
    "CZK": 25.0,
    "JPY": 160.0,
    "CAD": 1.47,
    "AUD": 1.63,
}

CHANNELS = ("pos", "online", "atm", "contactless")

# category: (weight, median EUR, log-sigma, channel probabilities (pos, online, atm, contactless), merchants)
CATEGORIES: dict[str, tuple[float, float, float, tuple[float, float, float, float], tuple[str, ...]]] = {
    "grocery": (
        0.25,
        32,
        0.65,
        (0.45, 0.05, 0.0, 0.50),
        ("REWE", "LIDL", "ALDI", "CARREFOUR", "ALBERT HEIJN", "MERCADONA", "ESSELUNGA", "DELHAIZE", "SPAR", "JUMBO"),
    ),
    "restaurant": (
        0.13,
        26,
        0.65,
        (0.35, 0.10, 0.0, 0.55),
        (
            "BISTRO CENTRAL",
            "PIZZERIA NAPOLI",
            "SUSHI YAMA",
            "CAFE AMELIE",
            "BURGER HOUSE",
            "TAPAS BAR SOL",
            "DELIVERY EXPRESS",
            "KEBAB PALACE",
        ),
    ),
    "fuel": (
        0.07,
        58,
        0.35,
        (0.60, 0.0, 0.0, 0.40),
        ("SHELL", "ARAL", "TOTALENERGIES", "REPSOL", "ENI STATION", "ESSO"),
    ),
    "transport": (
        0.07,
        11,
        0.8,
        (0.15, 0.45, 0.0, 0.40),
        ("DB BAHN", "SNCF CONNECT", "RENFE", "CITY TRANSIT", "RIDESHARE APP", "TAXI ZENTRALE", "PARKING PLUS"),
    ),
    "online_retail": (
        0.12,
        42,
        0.9,
        (0.0, 1.0, 0.0, 0.0),
        ("MARKETPLACE ONLINE", "ZALANDO", "BOL.COM", "FNAC.COM", "OTTO", "ETSY MARKET", "BOOKSHOP ONLINE"),
    ),
    "clothing": (
        0.05,
        58,
        0.7,
        (0.55, 0.25, 0.0, 0.20),
        ("H&M", "ZARA", "PRIMARK", "C&A", "UNIQLO", "PEEK&CLOPPENBURG"),
    ),
    "electronics": (
        0.02,
        170,
        0.9,
        (0.50, 0.50, 0.0, 0.0),
        ("MEDIAMARKT", "SATURN", "COOLBLUE", "FNAC", "APPLE STORE"),
    ),
    "pharmacy": (0.04, 17, 0.6, (0.40, 0.05, 0.0, 0.55), ("DM DROGERIE", "ROSSMANN", "PHARMACIE CENTRALE", "FARMACIA")),
    "subscription": (
        0.05,
        12,
        0.5,
        (0.0, 1.0, 0.0, 0.0),
        ("STREAMFLIX", "MUSICBOX", "CLOUD STORAGE", "GYM CLUB", "NEWS DIGITAL", "MOBILE TELCO"),
    ),
    "utilities": (0.03, 72, 0.5, (0.0, 1.0, 0.0, 0.0), ("STADTWERKE", "EDF", "VATTENFALL", "ENEL ENERGIA", "ENECO")),
    "travel": (0.015, 240, 0.8, (0.10, 0.90, 0.0, 0.0), ("LUFTHANSA", "KLM", "RYANAIR", "EASYJET", "BOOKING TRAVEL")),
    "hotel": (0.01, 135, 0.6, (0.65, 0.35, 0.0, 0.0), ("HOTEL IBIS", "NH HOTELS", "HOLIDAY STAY", "MOTEL ONE")),
    # The three below are drawn from per-customer shares, not from the weights above.
    "cash_advance": (0.0, 90, 0.6, (0.0, 0.0, 1.0, 0.0), ("ATM BANK NETWORK", "ATM EURONET", "ATM CARDTRONICS")),
    "gambling": (0.0, 35, 1.0, (0.0, 0.9, 0.0, 0.1), ("BETWAY", "LOTTO ONLINE", "CASINO ROYAL", "POKERSTARS")),
    "fees": (0.0, 30, 0.15, (0.0, 1.0, 0.0, 0.0), ("FINRISK BANK",)),
}
CATEGORY_NAMES = tuple(CATEGORIES)
CASH, GAMBLING, FEES = (CATEGORY_NAMES.index(c) for c in ("cash_advance", "gambling", "fees"))
# Merchants only fraudsters use: card testing and gift-card cash-out.
FRAUD_MERCHANTS = ("DIGITAL GOODS 24", "GIFTCARD HUB", "CRYPTO XCHG", "GAMECREDITS STORE", "DONATE-NOW ORG", "VPN SHOP")

DESCRIPTION_PREFIX = {
    "pos": "CARD PAYMENT",
    "online": "ONLINE PURCHASE",
    "atm": "ATM WITHDRAWAL",
    "contactless": "CONTACTLESS",
}
FEE_DESCRIPTIONS = ("LATE PAYMENT FEE", "OVERLIMIT FEE", "RETURNED PAYMENT FEE")


def category_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per category: sampling weight (normalised), median, sigma and channel probabilities."""
    weights = np.array([c[0] for c in CATEGORIES.values()], dtype=float)
    medians = np.array([c[1] for c in CATEGORIES.values()], dtype=float)
    sigmas = np.array([c[2] for c in CATEGORIES.values()], dtype=float)
    channels = np.array([c[3] for c in CATEGORIES.values()], dtype=float)
    return weights / weights.sum(), medians, sigmas, channels


def merchant_table() -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """All merchant names (fraud-only ones last), each category's first index and count."""
    names: list[str] = []
    offsets, counts = [], []
    for spec in CATEGORIES.values():
        offsets.append(len(names))
        counts.append(len(spec[4]))
        names.extend(spec[4])
    return tuple(names) + FRAUD_MERCHANTS, np.array(offsets), np.array(counts)
