"""Text templates: relationship managers' notes and news headlines and bodies.

Notes phrases come in three pools (risk up, risk down, neutral). The pool a phrase comes
from shifts a customer's risk only through a hidden score, and every pool is used for
customers of both outcomes, so no phrase gives the label away.
"""

from __future__ import annotations

NOTES_UP = (
    "Customer called about {n} missed payments; agreed plan",
    "Asked for a payment holiday after reduced hours",
    "Overdraft used every month, advised on budgeting",
    "Disputed late fee, says salary was paid late",
    "Mentioned restructuring at employer, worried about job",
    "Requested a lower minimum payment for {n} months",
    "Direct debit returned last month",
    "Asked about consolidating loans from other lenders",
    "Income irregular since {month}; monitoring",
    "Promised to clear arrears by end of {month}",
)
NOTES_DOWN = (
    "Requested limit increase, stable salary",
    "Salary credited regularly, no arrears",
    "Paid off car loan early",
    "Long-standing customer, always pays in full",
    "Building savings; asked about fixed-term deposit",
    "Promoted recently, income up",
    "Cleared card balance after bonus",
    "Asked about investment account for surplus cash",
)
NOTES_NEUTRAL = (
    "Updated address after move",
    "Prefers contact by email",
    "Asked about mobile app login",
    "Card replaced after expiry",
    "Travel notice for {country}",
    "Enquired about mortgage rates",
    "Changed direct debit date to the {day}th",
    "Asked for paper statements",
    "Added joint account holder",
    "Called about contactless limit",
    "Requested new PIN",
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
NOTE_COUNTRIES = ("Spain", "Italy", "the US", "Portugal", "Greece", "Japan", "Croatia", "the UK")

NEWS_SOURCES = (
    "Financial Wire",
    "Daily Ledger",
    "Euro Markets Today",
    "Business Courier",
    "Market Brief",
    "The Trade Journal",
    "Regional Economy News",
)

HEADLINES = {
    "negative": (
        "{company} issues profit warning as demand slumps",
        "{company} to cut {jobs} jobs in restructuring",
        "{company} shares fall {pct}% after weak {quarter} results",
        "Regulator opens probe into {company} accounting",
        "{company} misses loan covenant, talks with lenders",
        "{company} delays supplier payments, sources say",
        "Credit agency downgrades {company} outlook to negative",
        "{company} closes {n} sites in {city}",
        "Strike halts production at {company}",
        "{company} and {other} face falling orders",
    ),
    "neutral": (
        "{company} appoints new {role}",
        "{company} reports {quarter} results in line with forecasts",
        "{company} to hold investor day in {city}",
        "{company} moves headquarters within {city}",
        "{company} and {other} extend supply agreement",
        "{company} confirms annual guidance",
        "{company} refinances {amount} million euro facility",
        "What {company}'s new strategy means for {city}",
    ),
    "positive": (
        "{company} beats forecasts, raises outlook",
        "{company} to hire {jobs} staff in {city}",
        "{company} shares jump {pct}% on record orders",
        "{company} wins {amount} million euro contract",
        "{company} upgraded by credit agency",
        "{company} opens new plant in {city}",
        "{company} and {other} announce joint venture",
        "{company} reports strongest {quarter} in a decade",
    ),
}

BODY = {
    "negative": (
        "{company} said revenue fell {pct}% compared with a year earlier.",
        "Management blamed higher input costs and weaker orders from key customers.",
        "Analysts at several banks cut their price targets.",
        "The company is in talks with lenders about {amount} million euros of debt due next year.",
        "Unions warned that further cuts at the {city} site could follow.",
        "The {role} declined to comment on the possibility of further layoffs.",
        "Suppliers report that invoices are being paid weeks late.",
        "Cash reserves dropped to their lowest level since the company listed.",
    ),
    "neutral": (
        "The company said it expects results broadly in line with last year.",
        "{company} employs about {jobs} people, many of them in {city}.",
        "The new {role} joins from a competitor and starts next quarter.",
        "Analysts said the announcement had been widely expected.",
        "The board will present the plan to shareholders in {month}.",
        "Trading in the shares was little changed.",
        "{company} did not give new figures for the full year.",
    ),
    "positive": (
        "{company} said orders rose {pct}% and margins improved.",
        "The company plans to invest {amount} million euros over three years.",
        "Analysts raised their forecasts after the announcement.",
        "The {role} said the order book is full well into next year.",
        "New hiring will focus on engineering and sales roles in {city}.",
        "Net debt fell for the fourth quarter in a row.",
    ),
}
ROLES = ("chief executive", "chief financial officer", "chair", "head of operations", "finance director")
QUARTERS = ("first-quarter", "second-quarter", "third-quarter", "fourth-quarter", "half-year")
NEWS_CITIES = (
    "Berlin",
    "Paris",
    "Amsterdam",
    "Madrid",
    "Milan",
    "Brussels",
    "Vienna",
    "Dublin",
    "Lyon",
    "Hamburg",
    "Porto",
    "Helsinki",
    "Rotterdam",
    "Turin",
)
