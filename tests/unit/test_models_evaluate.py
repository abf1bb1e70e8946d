"""Metrics, the time split, batching and the PSI reference (no I/O)."""

import random
from datetime import date

import numpy as np
import pytest

from finrisk.errors import FinriskError
from finrisk.features.records import Record
from finrisk.models.evaluate import binary_metrics, decile_table, evaluate, group_table, multiclass_metrics
from finrisk.models.loop import length_grouped_batches
from finrisk.models.reference import build_reference
from finrisk.models.split import split_by_time


def test_binary_metrics_on_a_perfect_and_a_random_score():
    y = np.array([0, 0, 1, 1] * 50)
    perfect = binary_metrics(y, y * 0.8 + 0.1)
    assert perfect["auc"] == 1.0 and perfect["gini"] == 1.0 and perfect["ks"] == 1.0
    rng = np.random.default_rng(0)
    noise = binary_metrics(y, rng.random(len(y)))
    assert 0.35 < noise["auc"] < 0.65
    assert 0 <= noise["brier"] <= 1 and 0 <= noise["ece"] <= 1


def test_deciles_capture_every_bad():
    y = np.array([0] * 90 + [1] * 10)
    rows = decile_table(y, np.linspace(0, 1, 100))
    assert rows[0]["bad_rate"] == 1.0 and rows[-1]["cumulative_bad_capture"] == 1.0


def test_multiclass_metrics():
    probs = np.eye(3)[[0, 1, 2, 0, 1, 2]] * 0.9 + 0.1 / 3
    m = multiclass_metrics([0, 1, 2, 0, 1, 2], probs, positive_index=0)
    assert m["accuracy"] == 1.0 and m["macro_f1"] == 1.0 and m["auc"] == 1.0
    assert evaluate([0, 1, 2, 0, 1, 2], probs, 0)["macro_f1"] == 1.0


def test_group_table_ratio_of_adverse_rates():
    groups = [{"segment": "a"}] * 50 + [{"segment": "b"}] * 50
    y = [0, 1] * 50
    score = [0.9] * 20 + [0.1] * 30 + [0.9] * 10 + [0.1] * 40
    rows = {r["group"]: r for r in group_table(groups, y, score, ["segment", "age_band"], cutoff=0.5)}
    assert rows["a"]["adverse_rate"] == 0.4 and rows["b"]["adverse_rate"] == 0.2
    assert rows["a"]["adverse_ratio"] == pytest.approx(2.0)


def _records(n_times: int, per_time: int) -> list[Record]:
    return [
        Record(f"k{t}-{i}", {}, {"time": date(2024, 1, 1 + t), "label": i % 2})
        for t in range(n_times)
        for i in range(per_time)
    ]


def test_split_is_out_of_time():
    split = split_by_time(_records(10, 10), 0.15, 0.2)
    assert max(r.meta["time"] for r in split.train) < min(r.meta["time"] for r in split.validation)
    assert max(r.meta["time"] for r in split.validation) < min(r.meta["time"] for r in split.holdout)
    assert len(split.holdout) == 20


def test_split_refuses_empty_single_class_and_too_few_times():
    with pytest.raises(FinriskError, match="no training examples"):
        split_by_time([], 0.15, 0.2)
    one_class = [Record(r.key, {}, {**r.meta, "label": 1}) for r in _records(5, 4)]
    with pytest.raises(FinriskError, match="single class"):
        split_by_time(one_class, 0.15, 0.2)
    with pytest.raises(FinriskError, match="distinct example time"):
        split_by_time(_records(2, 10), 0.15, 0.2)


def test_length_grouped_batches_cover_everything_once():
    lengths = [random.Random(1).randint(5, 200) for _ in range(103)]
    train = length_grouped_batches(lengths, 8, random.Random(0))
    pred = length_grouped_batches(lengths, 8, None)
    for batches in (train, pred):
        assert sorted(i for b in batches for i in b) == list(range(103))
    assert [lengths[i] for b in pred for i in b] == sorted(lengths, reverse=True)


def test_reference_shares_sum_to_one():
    ref = build_reference(np.linspace(0, 1, 200), [{"amount": float(i)} for i in range(200)])
    assert sum(ref["score"]["shares"]) == pytest.approx(1.0)
    assert len(ref["inputs"]["amount"]["edges"]) == len(ref["inputs"]["amount"]["shares"]) + 1
