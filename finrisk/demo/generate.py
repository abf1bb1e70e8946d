"""`generate`: build a believable bank for a seed and load it into the source tables.

One readable flow: companies -> customers -> card transactions -> injected fraud ->
fraud labels -> news -> credit outcomes -> one transaction that replaces the source
tables. Each part draws from its own seeded stream (common.stream), so the same seed,
arguments and end date give identical rows.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date

from tqdm.auto import tqdm

from finrisk.config import Settings
from finrisk.db.engine import get_engine
from finrisk.demo.common import Window
from finrisk.demo.companies import make_companies
from finrisk.demo.customers import make_customers
from finrisk.demo.fraud import fraud_labels, inject_fraud
from finrisk.demo.load import SOURCE_TABLES, replace_source
from finrisk.demo.news import make_news
from finrisk.demo.outcomes import make_outcomes
from finrisk.demo.tables import fraud_labels_frame, order_by_time, transactions_frame
from finrisk.demo.transactions import Txns, normal_transactions
from finrisk.errors import FinriskError

log = logging.getLogger(__name__)
_STEPS = ("customers", "transactions", "fraud", "news", "outcomes", "frames")


@dataclass(frozen=True)
class DemoSummary:
    """What one demo-data run wrote: row counts per table and the headline rates."""

    start_date: date
    end_date: date
    customers: int
    transactions: int
    fraud_transactions: int
    fraud_labels: int
    news_articles: int
    news_labels: int
    credit_outcomes: int
    defaults: int
    seconds: float
    load_seconds: float = 0.0

    @property
    def default_rate(self) -> float:
        return self.defaults / max(self.credit_outcomes, 1)

    @property
    def fraud_rate(self) -> float:
        return self.fraud_transactions / max(self.transactions, 1)

    def line(self) -> str:
        """The one-line summary the CLI prints."""
        return (
            f"demo data {self.start_date}..{self.end_date}: {self.customers} customers, "
            f"{self.transactions} transactions ({self.fraud_rate:.2%} fraud), {self.fraud_labels} fraud labels, "
            f"{self.news_articles} news articles, {self.credit_outcomes} credit outcomes "
            f"({self.default_rate:.2%} defaulted) in {self.seconds:.1f}s"
        )


def build_frames(customers: int, days: int, seed: int, end_date: date, progress: bool = False) -> dict:
    """The six source tables as DataFrames (no database involved)."""
    _check(customers, days, seed)
    window = Window(end_date, days)
    bar = tqdm(total=len(_STEPS), desc="demo-data", unit="step", disable=not progress, leave=False)
    companies = make_companies(seed, customers, window)
    people = make_customers(seed, customers, window, companies)
    bar.update()
    normal = normal_transactions(seed, people, window)
    bar.update()
    txns = order_by_time(Txns.concat([normal, inject_fraud(seed, people, window, normal)]))
    bar.update()
    news = make_news(seed, companies, window)
    bar.update()
    outcomes = make_outcomes(seed, people, txns, news, window)
    bar.update()
    customer_ids = people.frame["customer_id"].to_numpy()
    transactions = transactions_frame(txns, customer_ids)
    labels = fraud_labels_frame(transactions["txn_id"].to_numpy(), *fraud_labels(seed, txns, window, people.home))
    bar.update()
    bar.close()
    return {
        "source.customers": people.frame,
        "source.credit_outcomes": outcomes,
        "source.transactions": transactions,
        "source.fraud_labels": labels,
        "source.news_articles": news.articles,
        "source.news_labels": news.labels,
        "_window": window,
        "_fraud": int(txns.is_fraud.sum()),
    }


def generate(
    settings: Settings, customers: int, days: int, seed: int, end_date: date | None = None, progress: bool = False
) -> DemoSummary:
    """Generate demo data and replace the source tables with it, in one transaction."""
    started = time.perf_counter()
    end_date = end_date or date.today()
    frames = build_frames(customers, days, seed, end_date, progress)
    engine = get_engine(settings)
    bar = tqdm(total=len(SOURCE_TABLES), desc="loading", unit="table", disable=not progress, leave=False)
    load_started = time.perf_counter()
    counts = replace_source(engine, {t: frames[t] for t in SOURCE_TABLES}, on_table=lambda _t: bar.update())
    bar.close()
    outcomes = frames["source.credit_outcomes"]
    summary = DemoSummary(
        start_date=frames["_window"].start_date,
        end_date=end_date,
        customers=counts["source.customers"],
        transactions=counts["source.transactions"],
        fraud_transactions=frames["_fraud"],
        fraud_labels=counts["source.fraud_labels"],
        news_articles=counts["source.news_articles"],
        news_labels=counts["source.news_labels"],
        credit_outcomes=counts["source.credit_outcomes"],
        defaults=int(outcomes["defaulted"].sum()),
        seconds=time.perf_counter() - started,
        load_seconds=time.perf_counter() - load_started,
    )
    log.info("demo data loaded: %d customers, %d transactions, seed %d", summary.customers, summary.transactions, seed)
    return summary


def _check(customers: int, days: int, seed: int) -> None:
    """One-line errors for arguments that cannot make a bank."""
    if customers <= 0:
        raise FinriskError(f"--customers must be a positive number, got {customers}")
    if days <= 0:
        raise FinriskError(f"--days must be a positive number, got {days}")
    if seed < 0:
        raise FinriskError(f"--seed must be zero or positive, got {seed}")
