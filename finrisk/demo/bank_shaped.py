"""Bank-shaped customers nobody here designed the code for, in the source contract's shape.

45 profile keys: numbers stored as strings, currency strings, yes/no booleans, a 300-value
branch code, dates as text, mostly-null columns; a default that depends on a few of them
and on the notes. Used by the bank-shaped training test and `bench/bank_train.py` (which
loads it through `source.*`, ingest and validation as a bank would).
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta


def bank_rows(n: int, seed: int = 3, first_snapshot: date = date(2024, 3, 1)) -> tuple[list[dict], list[dict]]:
    """(customers, credit_outcomes) rows: one customer version and one outcome per customer."""
    rng = random.Random(seed)
    customers, outcomes = [], []
    shapes = (
        lambda: f"{rng.uniform(0, 100):.1f}",
        lambda: f"$ {rng.randint(1, 500):,}",
        lambda: rng.choice(["yes", "no"]),
        lambda: rng.choice("ABCDEFG"),
        lambda: rng.randint(0, 50),
        lambda: "7" if rng.random() < 0.02 else None,
    )
    for i in range(n):
        debt = rng.uniform(0, 1)
        history = rng.random() < 0.25
        collections = rng.random() < 0.2
        profile = {
            "MonthlyIncome": f"EUR {rng.randint(900, 9000):,}.00",
            "DebtRatio": f"{debt:.3f}",
            "PriorDelinquency": "yes" if history else "no",
            "BranchCode": f"BR-{rng.randint(0, 300):03d}",
            "RarelyFilled": f"{rng.randint(1, 9)}" if rng.random() < 0.03 else None,
            "OpenedOn": f"20{rng.randint(10, 23)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        }
        for k in range(39):  # other columns, one shape each: numbers as strings, currency, yes/no, codes, mostly null
            profile[f"Attr{k:02d}"] = shapes[k % len(shapes)]()
        notes = (
            "referred to collections agency" if collections else rng.choice(["pays on time", "new account", "stable"])
        )
        logit = -2.2 + 2.0 * (debt > 0.7) + 1.2 * history + 2.5 * collections
        snapshot = first_snapshot + timedelta(days=30 * rng.randint(0, 9))
        customers.append(
            dict(
                customer_id=f"B{i:05d}",
                updated_at=datetime(2024, 1, 2, tzinfo=UTC),
                segment="retail",
                company=None,
                profile=profile,
                notes=notes,
            )
        )
        outcomes.append(
            dict(customer_id=f"B{i:05d}", snapshot_date=snapshot, defaulted=rng.random() < 1 / (1 + math.exp(-logit)))
        )
    return customers, outcomes
