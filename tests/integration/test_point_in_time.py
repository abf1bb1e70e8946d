"""Point-in-time: rows dated (or known) after an example's time never reach its record."""

from datetime import UTC, date, datetime, timedelta

from staging_rows import customer, insert, txn

from finrisk.features.serialize import to_text
from finrisk.models.specs import SPECS

UTC = UTC
SNAP = date(2024, 6, 1)
T_SNAP = datetime(2024, 6, 1, tzinfo=UTC)


def _plant_credit(conn):
    early = datetime(2024, 1, 1, tzinfo=UTC)
    insert(
        conn,
        "customers",
        [
            customer("C1", early, company="Acme", profile={"status": "current"}, notes="pays on time"),
            # Updated after the snapshot: would leak the default.
            customer(
                "C1",
                T_SNAP + timedelta(days=14),
                company="Acme",
                profile={"status": "written_off"},
                notes="LEAK defaulted account",
            ),
            # Dated before the snapshot but only known after it (arrived late).
            customer(
                "C1",
                T_SNAP - timedelta(days=30),
                company="Acme",
                profile={"status": "late_version"},
                notes="LEAK late",
                known_at=T_SNAP + timedelta(days=9),
            ),
        ],
    )
    insert(
        conn,
        "credit_outcomes",
        [dict(customer_id="C1", snapshot_date=SNAP, defaulted=True, known_at=T_SNAP + timedelta(days=365))],
    )
    insert(
        conn,
        "transactions",
        [
            txn("t-past", "C1", T_SNAP - timedelta(days=20), 50.0, "PastShop"),
            txn("t-future", "C1", T_SNAP + timedelta(days=1), 5000.0, "FutureShop"),
            txn("t-late", "C1", T_SNAP - timedelta(days=10), 900.0, "LateShop", known_at=T_SNAP + timedelta(days=4)),
        ],
    )
    insert(
        conn,
        "news_articles",
        [
            dict(
                article_id="n-past",
                published_at=T_SNAP - timedelta(days=10),
                source="Wire",
                companies=["Acme"],
                headline="Acme opens new plant",
                body="...",
            ),
            dict(
                article_id="n-future",
                published_at=T_SNAP + timedelta(days=2),
                source="Wire",
                companies=["Acme"],
                headline="LEAK Acme collapses",
                body="...",
            ),
            dict(
                article_id="n-late",
                published_at=T_SNAP - timedelta(days=5),
                source="Wire",
                companies=["Acme"],
                headline="LEAK Acme late story",
                body="...",
                known_at=T_SNAP + timedelta(days=1),
            ),
        ],
    )


def test_credit_record_ignores_rows_after_the_snapshot(engine):
    with engine.begin() as conn:
        _plant_credit(conn)
    with engine.connect() as conn:
        [record] = SPECS["credit"].training_records(conn)
    text = to_text(record.fields)
    assert "status: current" in text and "pays on time" in text
    assert "LEAK" not in text and "written_off" not in text and "late_version" not in text
    assert "PastShop" in text and "FutureShop" not in text and "LateShop" not in text
    assert "Acme opens new plant" in text
    assert record.meta["numeric"]["txn_count_90d"] == 1 and record.meta["numeric"]["news_count_90d"] == 1
    assert record.meta["label"] == 1


def test_credit_scoring_sees_the_version_of_the_date(engine):
    with engine.begin() as conn:
        _plant_credit(conn)
    with engine.connect() as conn:
        before = {r.key: to_text(r.fields) for r in SPECS["credit"].scoring_records(conn, SNAP - timedelta(days=1))}
        after = {r.key: to_text(r.fields) for r in SPECS["credit"].scoring_records(conn, SNAP + timedelta(days=20))}
    assert "status: current" in before["C1"] and "FutureShop" not in before["C1"]
    assert "written_off" in after["C1"] and "FutureShop" in after["C1"]


def test_fraud_windows_only_see_the_past(engine):
    t = datetime(2024, 3, 10, 12, tzinfo=UTC)
    with engine.begin() as conn:
        insert(conn, "customers", [customer("C1", t - timedelta(days=100))])
        insert(
            conn,
            "transactions",
            [
                txn("x-prev", "C1", t - timedelta(days=3), 20.0, "GiftShop", country="DE"),
                txn("x-other", "C2", t - timedelta(days=20), 30.0, "GiftShop"),
                txn("x-late", "C1", t - timedelta(hours=2), 999.0, "LateShop", known_at=t + timedelta(hours=1)),
                txn("x", "C1", t, 100.0, "GiftShop", country="FR"),
                txn("x-next", "C1", t + timedelta(hours=1), 700.0, "GiftShop"),
            ],
        )
        insert(
            conn,
            "fraud_labels",
            [
                dict(txn_id="x-other", is_fraud=True, labeled_at=t - timedelta(days=1)),
                dict(txn_id="x-prev", is_fraud=True, labeled_at=t + timedelta(days=1)),  # known only later
                dict(txn_id="x", is_fraud=False, labeled_at=t + timedelta(days=2)),
            ],
        )
    with engine.connect() as conn:
        records = {r.key: r for r in SPECS["fraud"].training_records(conn)}
    n = records["x"].meta["numeric"]
    assert n["cust_count_7d"] == 1 and n["cust_amount_7d"] == 20.0 and n["cust_count_1d"] == 0
    assert n["is_new_merchant"] == 0 and n["is_new_country"] == 1
    assert n["merchant_fraud_rate_90d"] == 1.0  # x-other only: x-prev's label was not known yet
    assert n["merchant_labels_90d"] == 1
    assert records["x"].meta["customer_id"] == "C1"


def test_scoring_shards_partition_the_day(engine):
    day = date(2024, 3, 10)
    t = datetime(2024, 3, 10, 1, tzinfo=UTC)
    with engine.begin() as conn:
        insert(conn, "customers", [customer(f"C{i}", t - timedelta(days=5)) for i in range(20)])
        insert(
            conn,
            "transactions",
            [txn(f"d{i}", f"C{i}", t + timedelta(minutes=i), 10.0) for i in range(20)]
            + [txn("next-day", "C1", t + timedelta(days=1), 10.0)],
        )
    spec = SPECS["fraud"]
    with engine.connect() as conn:
        everything = {r.key for r in spec.scoring_records(conn, day)}
        shards = [{r.key for r in spec.scoring_records(conn, day, shard=(i, 3))} for i in range(3)]
        customers = {r.key for r in SPECS["credit"].scoring_records(conn, day)}
    assert everything == {f"d{i}" for i in range(20)}
    assert set().union(*shards) == everything and sum(map(len, shards)) == 20
    assert len(customers) == 20


def test_merchant_label_counts_equal_their_definition_at_every_transaction(engine):
    """fraud_features.sql reaches the labels from their side (so a feature query reads each label once, not
    every transaction of its merchants); the counts must still be, for each transaction at time t, the labels
    of transactions at the same merchant that occurred in [t - 90 days, t), known by t, labelled before t and
    with the label known by t."""
    import random

    from finrisk.features.stream import with_features

    rng = random.Random(7)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    txns, labels = [], []
    for i in range(160):
        occurred = start + timedelta(hours=rng.randrange(0, 24 * 150))
        known = occurred + timedelta(hours=rng.choice((0, 0, 0, 5, 24 * 3)))
        txns.append(txn(f"t{i}", f"C{i % 7}", occurred, 10.0 + i, rng.choice(("A", "B", "C")), known_at=known))
        if rng.random() < 0.6:
            labeled = occurred + timedelta(hours=rng.randrange(1, 24 * 20))
            labels.append(
                dict(
                    txn_id=f"t{i}",
                    is_fraud=rng.random() < 0.4,
                    labeled_at=labeled,
                    known_at=labeled + timedelta(hours=rng.choice((0, 0, 30))),
                )
            )
    with engine.begin() as conn:
        insert(conn, "customers", [customer(f"C{i}", start - timedelta(days=1)) for i in range(7)])
        insert(conn, "transactions", txns)
        insert(conn, "fraud_labels", labels)
    by_id = {t["txn_id"]: t for t in txns}

    def expected(x: dict) -> tuple[int, int]:
        t = x["occurred_at"]
        hits = [
            lab
            for lab in labels
            if (m := by_id[lab["txn_id"]])["merchant"] == x["merchant"]
            and t - timedelta(days=90) <= m["occurred_at"] < t
            and m["known_at"] <= t
            and lab["labeled_at"] < t
            and lab["known_at"] <= t
        ]
        return len(hits), sum(lab["is_fraud"] for lab in hits)

    with engine.connect() as conn:
        rows = {
            ex["key"]: row
            for ex, row in with_features(
                conn, iter([{"key": t["txn_id"]} for t in txns]), "features/fraud_features", False, chunk=64
            )
        }
    assert len(rows) == len(txns)
    got = {k: (r["merchant_labels_90d"], r["merchant_frauds_90d"]) for k, r in rows.items()}
    assert got == {t["txn_id"]: expected(t) for t in txns}
    assert sum(n for n, _ in got.values()) > 100  # the case is not vacuous
