"""Planted changes for bench/signals_30_nights.py: edits to the demo bank's source rows before a night's ingest.

finrisk knows nothing of them: the bench rebuilds the demo's hidden parts (companies, customers, their
employers; `finrisk.demo` is deterministic for a seed, customer count and window) to choose whom to
change, then writes to source.* the way an upstream system would, from the plant night on:

- credit: a share of the customers (default 30%) get a new customer version with their declared income
  times `income_factor`, and their card spending from that night on is times `spend_factor`;
- fraud: a new merchant mix (a share of every transaction from that night on moves to merchants never
  seen before) and more fraud (incidents the demo's own fraud injector draws at `fraud_rate`, half of
  them at the new merchants), with the investigators' labels;
- news: `news_per_day` negative articles a day (and their 'negative' labels) about a few companies that
  employ customers;
- early warnings: `deteriorating` customers who work for those companies lose their salary: a new version
  says unemployed, most of their card spending stops, cash advances and late fees start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import numpy as np
import pandas as pd
import sqlalchemy as sa

from finrisk.demo import phrases, vocab
from finrisk.demo.common import DAY, Window, ids, iso_times
from finrisk.demo.companies import make_companies
from finrisk.demo.customers import make_customers
from finrisk.demo.fraud import fraud_labels, inject_fraud
from finrisk.demo.tables import order_by_time, transactions_frame
from finrisk.demo.transactions import Txns, normal_transactions

NEW_MERCHANTS = tuple(f"NEXA MARKET {i:02d}" for i in range(30))


@dataclass(frozen=True)
class Knobs:
    """How big each planted change is."""

    shift_share: float = 0.3
    income_factor: float = 0.5
    spend_factor: float = 0.5
    new_merchant_share: float = 0.3
    fraud_rate: float = 0.03  # the demo's own is 0.01
    news_companies: int = 6
    news_per_day: float = 1.0
    deteriorating: int = 50
    spend_kept: float = 0.4  # the deteriorating customers' card spending that goes on


@dataclass
class Plan:
    """Who is changed: customer ids, company names, from which day."""

    day: date
    shifted: list[str] = field(default_factory=list)
    deteriorating: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)


def _start(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def choose(customers: int, seed: int, window: Window, day: date, knobs: Knobs) -> tuple[Plan, dict]:
    """The plan for a demo bank of `customers` generated with `seed` over `window`; also the rebuilt demo parts."""
    companies = make_companies(seed, customers, window)
    people = make_customers(seed, customers, window, companies)
    rng = np.random.default_rng([seed, 22])
    ids_ = people.frame["customer_id"].to_numpy()
    employer = people.employer
    # companies in the news that employ the most customers and are not already in trouble
    counts = np.bincount(employer[employer >= 0], minlength=len(companies))
    order = [int(c) for c in np.argsort(-counts, kind="stable") if counts[c] > 0 and not companies.troubled[c]]
    chosen: list[int] = []
    for c in order:
        chosen.append(c)
        if len(chosen) >= knobs.news_companies and counts[chosen].sum() >= 2 * knobs.deteriorating:
            break
    staff = np.flatnonzero(np.isin(employer, chosen))
    worse = np.sort(rng.choice(staff, size=min(knobs.deteriorating, len(staff)), replace=False))
    rest = np.setdiff1d(np.arange(customers), worse)
    shifted = np.sort(rng.choice(rest, size=int(round(knobs.shift_share * customers)), replace=False))
    plan = Plan(
        day=day,
        shifted=[str(x) for x in ids_[shifted]],
        deteriorating=[str(x) for x in ids_[worse]],
        companies=[str(companies.names[c]) for c in chosen],
    )
    return plan, {"companies": companies, "people": people, "worse": worse}


def _copy(conn: sa.Connection, table: str, frame: pd.DataFrame) -> int:
    from finrisk.db.copy import copy_frame

    return copy_frame(conn.connection.dbapi_connection, table, frame)


def _new_versions(conn: sa.Connection, ids_: list[str], day: date, change) -> int:
    """A new customer version (updated the plant day, 08:00 UTC) with `change(profile)` applied."""
    rows = conn.execute(
        sa.text("select customer_id, profile from source.customers where customer_id = any(:ids)"), {"ids": ids_}
    ).all()
    stamp = datetime.combine(day, time(8), UTC)
    params = [{"id": r.customer_id, "profile": json.dumps(change(dict(r.profile or {}))), "at": stamp} for r in rows]
    if params:
        conn.execute(
            sa.text(
                "update source.customers set profile = cast(:profile as jsonb), updated_at = :at "
                "where customer_id = :id"
            ),
            params,
        )
    return len(params)


def _lower_income(factor: float):
    def change(profile: dict) -> dict:
        if isinstance(profile.get("income"), int | float):
            profile["income"] = int(round(profile["income"] * factor, -2))
        return profile

    return change


def _salary_stops(profile: dict) -> dict:
    profile["employment_status"] = "unemployed"
    profile["employment_years"] = 0.0
    return profile


def _distress_txns(people, worse: np.ndarray, start: int, end: int) -> Txns:
    """Late fees every other day and a cash advance every third day for the deteriorating customers."""
    names, offsets, counts = vocab.merchant_table()
    fee_days = np.arange(start, end, 2 * DAY) + 10 * 3600
    cash_days = np.arange(start + DAY, end, 3 * DAY) + 15 * 3600
    parts = []
    for t, category, amount, channel in (
        (fee_days, vocab.FEES, 30.0, vocab.CHANNELS.index("online")),
        (cash_days, vocab.CASH, 250.0, vocab.CHANNELS.index("atm")),
    ):
        cust = np.repeat(worse, len(t))
        times = np.tile(t, len(worse))
        merchant = offsets[category] + (cust % counts[category])
        parts.append(
            Txns(
                cust,
                times,
                np.full(len(cust), amount),
                np.full(len(cust), category),
                merchant,
                np.full(len(cust), channel),
                people.home[cust],
                np.zeros(len(cust), dtype=bool),
            )
        )
    return order_by_time(Txns.concat(parts))


def _articles(plan: Plan, start: int, end: int, per_day: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Negative articles about the plan's companies, `per_day` each a day, and their labels."""
    rng = np.random.default_rng([seed, 2201])
    days = (end - start) // DAY
    rows = []
    for c, company in enumerate(plan.companies):
        n = rng.poisson(per_day * days)
        for t in np.sort(start + rng.integers(0, end - start, n)):
            slots = {
                "company": company,
                "other": plan.companies[(c + 1) % len(plan.companies)],
                "pct": int(rng.integers(5, 40)),
                "jobs": int(rng.integers(1, 40)) * 50,
                "amount": int(rng.integers(1, 60)) * 5,
                "n": int(rng.integers(2, 9)),
                "city": phrases.NEWS_CITIES[int(rng.integers(len(phrases.NEWS_CITIES)))],
                "quarter": phrases.QUARTERS[int(rng.integers(len(phrases.QUARTERS)))],
                "role": phrases.ROLES[int(rng.integers(len(phrases.ROLES)))],
                "month": phrases.MONTHS[int(rng.integers(12))],
            }
            heads, bodies = phrases.HEADLINES["negative"], phrases.BODY["negative"]
            picks = rng.choice(len(bodies), size=min(4, len(bodies)), replace=False)
            rows.append(
                {
                    "published_at": iso_times(np.array([t]))[0],
                    "source": phrases.NEWS_SOURCES[int(rng.integers(len(phrases.NEWS_SOURCES)))],
                    "headline": heads[int(rng.integers(len(heads)))].format(**slots),
                    "body": " ".join(bodies[i].format(**slots) for i in picks),
                    "companies": json.dumps([company]),
                }
            )
    articles = pd.DataFrame(rows, columns=["published_at", "source", "headline", "body", "companies"])
    articles.insert(0, "article_id", np.char.add("AP", ids("", len(articles), 6).astype(str)).astype(object))
    labels = pd.DataFrame({"article_id": articles["article_id"], "sentiment": "negative"})
    return articles, labels


MIX_SQL = """
update source.transactions t
set merchant = n.merchant, description = replace(t.description, t.merchant, n.merchant)
from (
    select txn_id, (cast(:names as text[]))[1 + mod(abs(hashtext(txn_id || 'merchant')), :n)] as merchant
    from source.transactions
    where occurred_at >= :start and mod(abs(hashtext(txn_id || 'mix')), 1000) < :permille
      and merchant is not null and merchant <> 'FINRISK BANK'
) n
where t.txn_id = n.txn_id
"""


def apply(conn: sa.Connection, plan: Plan, parts: dict, window: Window, seed: int, knobs: Knobs) -> dict[str, int]:
    """Write the planted changes into source.* (in the caller's transaction); returns rows written per change."""
    start, end = _start(plan.day), window.end
    out: dict[str, int] = {}
    at = {"start": datetime.fromtimestamp(start, UTC)}
    # credit: income and spending of a share of the customers
    out["shifted_versions"] = _new_versions(conn, plan.shifted, plan.day, _lower_income(knobs.income_factor))
    out["shifted_txns"] = conn.execute(
        sa.text(
            "update source.transactions set amount = round(amount * :f, 2) "
            "where customer_id = any(:ids) and occurred_at >= :start"
        ),
        {"f": knobs.spend_factor, "ids": plan.shifted, **at},
    ).rowcount
    # early warnings: salary stops for customers of the companies in the news
    out["deteriorating_versions"] = _new_versions(conn, plan.deteriorating, plan.day, _salary_stops)
    out["deteriorating_txns_dropped"] = conn.execute(
        sa.text(
            "delete from source.transactions where customer_id = any(:ids) and occurred_at >= :start "
            "and mod(abs(hashtext(txn_id || 'salary')), 1000) >= :kept"
        ),
        {"ids": plan.deteriorating, "kept": int(1000 * knobs.spend_kept), **at},
    ).rowcount
    people = parts["people"]
    customer_ids = people.frame["customer_id"].to_numpy()
    distress = transactions_frame(_distress_txns(people, parts["worse"], start, end), customer_ids)
    distress["txn_id"] = np.char.add("TPD", distress["txn_id"].to_numpy().astype(str)).astype(object)
    out["deteriorating_txns_added"] = _copy(conn, "source.transactions", distress)
    # fraud: a new merchant mix, then more fraud, half of it at the new merchants
    out["new_merchant_txns"] = conn.execute(
        sa.text(MIX_SQL),
        {"names": list(NEW_MERCHANTS), "n": len(NEW_MERCHANTS), "permille": int(1000 * knobs.new_merchant_share), **at},
    ).rowcount
    planted = Window(window.end_date, (end - start) // DAY)
    normal = normal_transactions(seed, people, window)
    normal = normal.take(normal.t >= start)
    fraud = order_by_time(inject_fraud(seed + 1, people, planted, normal, rate=knobs.fraud_rate))
    frame = transactions_frame(fraud, customer_ids)
    frame["txn_id"] = np.char.add("TPF", frame["txn_id"].to_numpy().astype(str)).astype(object)
    rng = np.random.default_rng([seed, 2202])
    moved = rng.random(len(frame)) < 0.5
    new = np.array(NEW_MERCHANTS, dtype=object)[rng.integers(0, len(NEW_MERCHANTS), len(frame))]
    frame["description"] = [
        d.replace(m, n) if k else d for d, m, n, k in zip(frame["description"], frame["merchant"], new, moved)
    ]
    frame["merchant"] = np.where(moved, new, frame["merchant"])
    out["fraud_txns_added"] = _copy(conn, "source.transactions", frame)
    positions, is_fraud, labeled = fraud_labels(seed + 1, fraud, planted, people.home)
    labels = pd.DataFrame(
        {
            "txn_id": frame["txn_id"].to_numpy()[positions],
            "is_fraud": is_fraud.astype(bool),
            "labeled_at": iso_times(labeled),
        }
    )
    out["fraud_labels_added"] = _copy(conn, "source.fraud_labels", labels)
    # news: negative coverage of the chosen companies
    articles, sentiment = _articles(plan, start, end, knobs.news_per_day, seed)
    out["news_articles_added"] = _copy(conn, "source.news_articles", articles)
    _copy(conn, "source.news_labels", sentiment)
    plan.written = out
    return out
