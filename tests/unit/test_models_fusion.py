"""The tabular vector and the fused head, without I/O: keys discovered, step 0 = the LR baseline."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from finrisk.features.records import Record
from finrisk.models import fusion
from finrisk.models.baseline import fit_lr
from finrisk.models.tabular import TabularEncoder, cell, parse_number, raw_row


@pytest.mark.parametrize(
    "raw, number",
    [
        ("1,234.50", 1234.5),
        ("EUR 1,250.00", 1250.0),
        ("$3 400", 3400.0),
        ("€ 99", 99.0),
        ("12%", 0.12),
        ("yes", 1.0),
        ("No", 0.0),
        (7, 7.0),
        (True, 1.0),
        ("-5", -5.0),
        ("abc", None),
        ("2019-03-01", None),
        (None, None),
        ({"a": 1}, None),
    ],
)
def test_numbers_in_every_shape_parse(raw, number):
    assert parse_number(raw) == number


def _bank_records(n: int, seed: int = 0) -> list[Record]:
    """Records shaped like a bank nobody here designed: strings for numbers, nulls, many categories."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        risky = rng.random() < 0.3
        attributes = {
            "MonthlyIncome": f"EUR {rng.randint(800, 2500) if risky else rng.randint(2000, 9000):,}.00",
            "DebtRatio": str(round(rng.uniform(0.4, 1.2) if risky else rng.uniform(0, 0.6), 3)),
            "HasMortgage": rng.choice(["yes", "no"]),
            "BranchCode": f"B{rng.randint(0, 60)}",  # high cardinality, values repeat: hashed too
            "Occupation": rng.choice(["clerk", "driver", "nurse", "engineer"]),
            "MostlyNull": "x" if rng.random() < 0.05 else None,
        }
        if rng.random() < 0.2:
            attributes["MonthlyIncome"] = None  # missing is information
        out.append(
            Record(
                f"K{i}",
                {"notes": "late" if risky else "fine"},
                {
                    "attributes": attributes,
                    "numeric": {"txn_count_30d": float(rng.randint(0, 40))},
                    "label": int(rng.random() < (0.6 if risky else 0.1)),
                },
            )
        )
    return out


def test_keys_are_discovered_with_missing_indicators_and_categories():
    records = _bank_records(400)
    encoder = TabularEncoder().fit([raw_row(r) for r in records])
    names = set(encoder.names)
    assert {
        "attr:MonthlyIncome|num",
        "attr:MonthlyIncome|missing",
        "attr:DebtRatio|num",
        "attr:HasMortgage|num",
        "num:txn_count_30d|num",
        "attr:Occupation|cat=nurse",
        "attr:BranchCode|other",
    } <= names
    assert any(n.startswith("attr:BranchCode|hash") for n in names)
    x = encoder.transform([raw_row(r) for r in records])
    income_missing = encoder.names.index("attr:MonthlyIncome|missing")
    assert x[:, income_missing].sum() == sum(r.meta["attributes"]["MonthlyIncome"] is None for r in records)
    # a value the training split never saw is "other", and the round trip through JSON changes nothing
    unseen = raw_row(Record("new", {}, {"attributes": {"Occupation": "astronaut"}, "numeric": {}}))
    again = TabularEncoder.from_dict(encoder.to_dict())
    assert np.array_equal(again.transform([unseen]), encoder.transform([unseen]))


def test_transform_by_key_equals_the_column_rules_cell_by_cell():
    """The memoised, column-by-key transform gives exactly what each column's rule gives each raw value, for the
    values that are equal keys but not equal categories (True and 1), NaN, dicts and lists, mixed keys."""
    rows = [raw_row(r) for r in _bank_records(300, seed=3)]
    encoder = TabularEncoder().fit(rows + [{"attr:Mixed": v} for v in ["1", "2", "n/a", "low", "3"] * 20])
    tricky = [
        {"attr:HasMortgage": True},
        {"attr:HasMortgage": 1},
        {"attr:HasMortgage": "yes"},
        {"attr:Occupation": float("nan")},
        {"attr:Occupation": {"a": 1}},
        {"attr:Occupation": ["x"]},
        {"attr:Mixed": "low"},
        {"attr:Mixed": 2},
        {"attr:Mixed": "2"},
        {},
    ]
    sample = rows[:50] + tricky + rows[:5]
    others = {c["key"]: set(c["values"]) for c in encoder.columns if c["kind"] == "other"}
    numeric = {c["key"] for c in encoder.columns if c["kind"] == "missing" and c.get("numeric")}
    expected = np.array(
        [[cell(c, row.get(c["key"]), others, numeric.__contains__) for c in encoder.columns] for row in sample]
    )
    assert np.array_equal(encoder.transform(sample), expected)
    assert encoder.transform([]).shape == (0, len(encoder.columns))


def test_step_zero_of_the_fused_head_is_the_lr_baseline():
    import torch

    records = _bank_records(300)
    encoder = TabularEncoder().fit([raw_row(r) for r in records])
    x = encoder.transform([raw_row(r) for r in records])
    y = np.array([r.meta["label"] for r in records])
    lr = fit_lr(x, y, seed=0)
    texts = [r.fields["notes"] for r in records]
    head = fusion.make_head(x.shape[1], 8, 2**10, 4)
    fusion.init_from_baseline(head, lr)
    model = fusion.FusedModel(None, None, encoder, head, 32, 2**10, ("good", "default"), 1)
    inputs = model.inputs(
        texts, [raw_row(r) for r in records], embeddings=np.random.default_rng(0).normal(size=(300, 8))
    )
    probs = model.to_probs(model.logits(*inputs))
    assert np.allclose(probs[:, 1], lr.predict_proba(x)[:, 1], atol=1e-5)
    assert roc_auc_score(y, probs[:, 1]) == pytest.approx(roc_auc_score(y, lr.predict_proba(x)[:, 1]), abs=1e-9)

    # training keeps step 0 unless validation improves, so it never ends below the baseline
    def validate() -> float:
        return float(roc_auc_score(y, model.logits(*inputs)))

    fit = fusion.train_head(
        head,
        inputs,
        y,
        validate,
        epochs=3,
        batch_size=64,
        learning_rate=1e-3,
        weight_decay=0.0,
        patience=1,
        seed=0,
        positive_index=1,
    )
    assert fit.step0_score == pytest.approx(roc_auc_score(y, lr.predict_proba(x)[:, 1]), abs=1e-6)
    assert fit.best_score >= fit.step0_score and validate() == pytest.approx(fit.best_score)
    assert isinstance(head.tabular, torch.nn.Linear)


def test_wide_only_lines_reach_the_ngrams_but_not_the_encoder_and_round_trip(tmp_path):
    import json

    import torch

    records = _bank_records(20)
    encoder = TabularEncoder().fit([raw_row(r) for r in records])
    head = fusion.make_head(len(encoder.columns), 8, 2**10, 4)
    with torch.no_grad():
        head.wide.copy_(torch.randn(2**10, 1, generator=torch.Generator().manual_seed(0)))
    model = fusion.FusedModel(None, None, encoder, head, 32, 2**10, ("good", "default"), 1, wide_only=("spend 30d",))
    today = Record("c1", {"notes": "steady", "spend 30d": "3 txns 120"}, records[0].meta)
    tomorrow = Record("c1", {"notes": "steady", "spend 30d": "9 txns 4000"}, records[0].meta)
    assert model.encoder_texts(["notes: steady\nspend 30d: 3 txns 120"]) == ["notes: steady"]
    vectors = np.zeros((1, 8))
    moved = (
        model.predict_records([tomorrow], embeddings=vectors)[0, 1]
        - model.predict_records([today], embeddings=vectors)[0, 1]
    )
    assert abs(moved) > 1e-4  # the n-grams read the daily line
    config = model.config()
    assert config["wide_only"] == ["spend 30d"] and json.loads(json.dumps(config))["wide_only"] == ["spend 30d"]


def test_a_rows_logit_does_not_depend_on_the_batch_it_came_in():
    """Shards and blocks group rows differently; a float32 matmul's last bits follow the row count, so the head
    runs in fixed blocks and a row's logit is bit-for-bit the same in any batch, order or size."""
    import torch

    torch.manual_seed(0)
    n = 700
    head = fusion.make_head(60, 384, 2**12, 8)
    with torch.no_grad():
        for p in head.parameters():
            p.copy_(torch.randn_like(p))
    model = fusion.FusedModel(None, None, TabularEncoder(), head, 32, 2**12, ("good", "default"), 1)
    tab, text = torch.randn(n, 60), torch.randn(n, 384)
    wide = fusion.wide_matrix([f"w{i} w{i % 7} z{i % 13}" for i in range(n)], 2**12)
    whole = model.logits(tab, text, wide)
    rng = np.random.default_rng(0)
    for size in (1, 3, 255, 257, 513):
        rows = rng.permutation(n)[:size]
        assert np.array_equal(model.logits(tab[rows], text[rows], wide[rows]), whole[rows])


def test_a_tree_column_starts_from_the_hgb_baseline_and_round_trips(tmp_path):
    """With the HGB logit as a head input, the tree column alone reproduces the HGB baseline exactly, the out-of-fold
    logits come from models that never saw the row, and save/load keeps the tree."""
    from finrisk.models.baseline import fit_hgb

    records = _bank_records(600, seed=3)
    encoder = TabularEncoder().fit([raw_row(r) for r in records])
    rows = [raw_row(r) for r in records]
    x = encoder.transform(rows)
    y = np.array([r.meta["label"] for r in records])
    hgb = fit_hgb(x, y, seed=0)
    oof = fusion.out_of_fold_logits(x, y, positive_index=1, seed=0)
    in_sample = fusion.tree_logit(hgb, x)
    assert oof.shape == (600,) and not np.allclose(oof, in_sample)  # out of fold, not the in-sample fit
    # the out-of-fold logits still rank (they are a real model's), but worse than the in-sample fit
    assert 0.6 < roc_auc_score(y, oof) < roc_auc_score(y, in_sample)

    head = fusion.make_head(x.shape[1] + 1, 8, 0, 4)
    model = fusion.FusedModel(None, None, encoder, head, 32, 0, ("good", "default"), 1, tree=hgb)
    starts = fusion.starts(fit_lr(x, y, 0), fit_lr(np.hstack([x, oof[:, None]]), y, 0))
    assert list(starts) == ["lr", "stacked"] and len(starts["stacked"][0]) == x.shape[1] + 1
    tree_only = np.zeros(x.shape[1] + 1, dtype=np.float32)
    tree_only[-1] = 1.0  # the tree column alone, weight 1: exactly the HGB baseline
    fusion.set_tabular(head, tree_only, 0.0)
    embeddings = np.zeros((600, 8))
    probs = model.to_probs(model.logits(*model.inputs([""] * 600, rows, embeddings=embeddings)))
    assert np.allclose(probs[:, 1], hgb.predict_proba(x)[:, 1], atol=1e-5)
    fusion.set_tabular(head, *starts["lr"])  # LR's weights, the tree column at 0: exactly the LR baseline
    probs = model.to_probs(model.logits(*model.inputs([""] * 600, rows, embeddings=embeddings)))
    assert np.allclose(probs[:, 1], fit_lr(x, y, 0).predict_proba(x)[:, 1], atol=1e-5)

    import pickle

    restored = pickle.loads(pickle.dumps(hgb))
    assert np.array_equal(fusion.tree_logit(restored, x), in_sample)
    assert model.config()["tree"] is True and model.config()["tabular_dim"] == x.shape[1] + 1


def test_truncation_report_names_the_fields_max_length_cuts():
    from transformers import AutoTokenizer

    from finrisk.models.backbone import packaged_path
    from finrisk.models.truncation import truncation_report

    tokenizer = AutoTokenizer.from_pretrained(packaged_path())
    short = "notes: pays on time\nsegment: retail"
    long = "notes: " + "late payment again " * 20 + "\nsegment: retail\nincome: 4200"
    report = truncation_report(tokenizer, [short, long, short], max_length=32)
    assert report["records"] == 3 and report["truncated"] == 1
    assert report["truncated_share"] == pytest.approx(1 / 3)
    # the notes line runs past the cut, and the two lines after it are never read
    assert {c["field"]: c["records"] for c in report["fields_cut"]} == {"notes": 1, "segment": 1, "income": 1}
    assert truncation_report(tokenizer, [short], max_length=32)["fields_cut"] == []
