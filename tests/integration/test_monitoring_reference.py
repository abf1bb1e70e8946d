"""A version trained as of D keeps the reference of the population the nightly scoring of D reads (issue 22).

One tiny credit and one tiny fraud model are trained as of D on the synthetic warehouse plus recent activity:
customers spend at several merchants over the 180 days before D, and 30 transactions occur in D's 7-day window,
5 of them investigated. Training snapshots (2024) see full 180-day windows of the 2024 history, the night of D
sees the recent ones: a training-snapshot reference differs from the night, the scored-population one does not.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from staging_rows import build_dataset, insert, txn
from test_score import record_passed_validation
from test_train import tiny_args

from finrisk.config import GateSettings, MonitoringSettings
from finrisk.models.reference import distribution
from finrisk.models.specs import get_spec
from finrisk.monitoring.psi import psi_against
from finrisk.registry.client import load_reference, resolve_alias
from finrisk.scoring.run import score
from finrisk.training.reference import scored_population, scored_reference
from finrisk.training.train import train_model

D = date(2025, 12, 15)  # every credit outcome of build_dataset is known by then (snapshot + 365 days)
N_CUSTOMERS = 100
WINDOW_TXNS, WINDOW_LABELLED = 30, 5


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _recent_activity(conn) -> None:
    rng = random.Random(7)
    merchants = ["Grocer", "Fuel Station", "Bookshop", "Pharmacy", "Cinema", "Bakery", "Garage"]
    rows = []
    for i in range(N_CUSTOMERS):  # spread over the 180 days before the window
        for k in range(rng.randint(0, 2)):
            when = _at(D - timedelta(days=rng.randint(8, 175)), rng.randint(8, 20))
            rows.append(txn(f"R{i:04d}{k}", f"C{i:04d}", when, round(rng.uniform(5, 300), 2), rng.choice(merchants)))
    window = []
    for j in range(WINDOW_TXNS):  # D's 7-day window: every one of them is scored, labelled or not
        when = _at(D - timedelta(days=j % 7), 9 + j % 10)
        window.append(txn(f"W{j:04d}", f"C{rng.randrange(N_CUSTOMERS):04d}", when, 40.0 + j, rng.choice(merchants)))
    insert(conn, "transactions", rows + window)
    labels = [
        dict(txn_id=t["txn_id"], is_fraud=False, labeled_at=t["occurred_at"] + timedelta(hours=1))
        for t in window
        if t["occurred_at"] < _at(D, 0)
    ][:WINDOW_LABELLED]
    insert(conn, "fraud_labels", labels)
    record_passed_validation(conn, D)


def test_a_version_trained_as_of_d_keeps_the_reference_of_the_population_d_scores(settings, engine):
    """Trains once (the tiny models are the slow part), then checks credit's reference and fraud's."""
    lenient = GateSettings(min_auc=0.0, min_macro_f1=0.0, max_calibration_error=1.0, require_beats_baseline=False)
    # 100 customers: PSI is judged here on a small night (the default minimum is for a bank's population)
    monitoring = MonitoringSettings(psi_min_rows=1)
    settings = settings.model_copy(update={"gate": lenient, "monitoring": monitoring})
    with engine.begin() as conn:
        build_dataset(conn, n_customers=N_CUSTOMERS, seed=0)
        _recent_activity(conn)
    for model in ("credit", "fraud"):
        train_model(settings, model, tiny_args(settings, max_steps=20), as_of=D)
    _credit_reference_is_the_night_it_was_trained_as_of(settings, engine)
    _fraud_reference_counts_every_transaction_of_the_window(settings, engine)
    _sample_is_capped_reproducibly_and_empty_is_none(engine)


def _reference(settings, model: str) -> dict:
    return load_reference(settings, resolve_alias(settings, model, "champion"))


def _credit_reference_is_the_night_it_was_trained_as_of(settings, engine) -> None:
    ref = _reference(settings, "credit")
    assert ref["population"] == "scored" and ref["as_of"] == D.isoformat() and "fallback" not in ref
    assert ref["window"] == {"start": D.isoformat(), "end": D.isoformat(), "days": 1}
    assert ref["n"] == ref["population_rows"] == N_CUSTOMERS and ref["sample"] == "every scored row"

    score(settings, D)
    with engine.connect() as conn:
        psi = {
            r.feature: r.value
            for r in conn.execute(
                sa.text(
                    "select feature, value from risk.score_monitoring where score_date = :d "
                    "and model = 'finrisk-credit' and metric = 'psi'"
                ),
                {"d": D},
            )
        }
    # the night of D against its own reference: the same rows, the same bins
    assert psi["pd_12m"] is not None and psi["pd_12m"] < 0.01, psi
    assert psi["merchant_count_180d"] is not None and psi["merchant_count_180d"] < 0.01, psi
    assert all(v < 0.01 for v in psi.values() if v is not None), psi
    assert len([v for v in psi.values() if v is not None]) >= 5, psi

    # the old reference, the training snapshots' own inputs, against the same night: a large PSI
    spec = get_spec("credit")
    with engine.connect() as conn:
        snapshots = [r.meta["numeric"]["merchant_count_180d"] for r in spec.training_records(conn, D)]
        night = [r.meta["numeric"]["merchant_count_180d"] for r in spec.scoring_records(conn, D)]
    old_psi, _ = psi_against(distribution(snapshots), night)
    assert len(night) == N_CUSTOMERS and old_psi > 0.25, (old_psi, len(snapshots))


def _fraud_reference_counts_every_transaction_of_the_window(settings, engine) -> None:
    ref = _reference(settings, "fraud")
    start = D - timedelta(days=6)
    assert ref["population"] == "scored" and ref["as_of"] == D.isoformat()
    assert ref["window"] == {"start": start.isoformat(), "end": D.isoformat(), "days": 7}
    with engine.connect() as conn:
        in_window, labelled = conn.execute(
            sa.text(
                "select count(*), count(l.txn_id) from staging.clean_transactions t "
                "left join staging.clean_fraud_labels l using (txn_id) "
                "where t.occurred_at >= :start and t.occurred_at < :end"
            ),
            {"start": _at(start, 0), "end": _at(D + timedelta(days=1), 0)},
        ).one()
    assert (in_window, labelled) == (WINDOW_TXNS, WINDOW_LABELLED)
    assert ref["n"] == ref["population_rows"] == WINDOW_TXNS  # every transaction, not the 5 investigated
    assert sum(ref["score"]["shares"]) == pytest.approx(1.0)
    assert "merchant_labels_90d" in ref["inputs"]


def _sample_is_capped_reproducibly_and_empty_is_none(engine) -> None:
    spec = get_spec("fraud")
    with engine.connect() as conn:
        first, about = scored_population(conn, spec, D, seed=3, cap=10)
        again, _ = scored_population(conn, spec, D, seed=3, cap=10)
        everyone, _ = scored_population(conn, spec, D, seed=3)
        empty = scored_reference(conn, spec, date(2020, 1, 1), lambda records: 1 / 0, seed=3)
    assert about["population_rows"] == WINDOW_TXNS and about["sample"].startswith("hash shard 0 of 3")
    assert 0 < len(first) <= 10 and [r.key for r in first] == [r.key for r in again]
    assert {r.key for r in first} < {r.key for r in everyone} and len(everyone) == WINDOW_TXNS
    assert empty is None  # nothing scored on that window: the caller falls back to the training sample

    # scoring the reference is work of its own on the training bar, in batches, not a bar standing at 100%
    import numpy as np

    from finrisk import progress
    from finrisk.training import reference as ref_module

    heard: list[dict] = []
    batches: list[int] = []

    def predict(records):
        batches.append(len(records))
        return np.tile([0.9, 0.1], (len(records), 1))

    ref_module.REFERENCE_BATCH, batch = 4, ref_module.REFERENCE_BATCH
    try:
        with engine.connect() as conn, progress.listening(heard.append):
            scored_reference(conn, spec, D, predict, seed=3)
    finally:
        ref_module.REFERENCE_BATCH = batch
    [work] = [e for e in heard if e["kind"] == "train_work"]
    assert work["model"] == "finrisk-fraud monitoring reference" and work["work"] == WINDOW_TXNS
    done = [e["texts"] for e in heard if e["kind"] == "embedded" and e["model"] == work["model"]]
    assert done == batches and sum(done) == WINDOW_TXNS and len(done) > 1
