"""Platt scaling: fitted on squeezed probabilities it restores spread and calibration, and baking it
into the head gives the same probabilities as applying it."""

import numpy as np
import torch
from transformers import BertConfig, BertForSequenceClassification

from finrisk.models.calibrate import Platt, apply_platt, bake_platt, fit_platt
from finrisk.models.evaluate import expected_calibration_error


def _squeezed(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    risk = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2.4 + 0.8 * risk)))).astype(int)
    p = 1 / (1 + np.exp(-(-3.1 + 0.03 * risk)))  # ranks right, but every p is ~4%
    return np.column_stack([1 - p, p]), y


def test_platt_restores_spread_and_calibration_without_changing_the_ranking():
    probs, y = _squeezed()
    platt = fit_platt(probs[:2000], y[:2000], positive_index=1)
    calibrated = apply_platt(probs[2000:], platt, positive_index=1)
    assert platt.slope > 5
    assert expected_calibration_error(y[2000:], calibrated[:, 1]) < expected_calibration_error(
        y[2000:], probs[2000:, 1]
    )
    assert calibrated[:, 1].std() > 10 * probs[2000:, 1].std()
    assert abs(calibrated[:, 1].mean() - y[2000:].mean()) < 0.02
    assert np.array_equal(np.argsort(calibrated[:, 1]), np.argsort(probs[2000:, 1]))


def test_inverted_ranking_only_moves_the_mean():
    probs, y = _squeezed()
    platt = fit_platt(probs[:, ::-1].copy(), y, positive_index=1)
    assert platt.slope == 1.0


def test_baked_head_gives_the_applied_probabilities():
    torch.manual_seed(0)
    model = BertForSequenceClassification(
        BertConfig(
            vocab_size=50,
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            num_labels=2,
        )
    ).eval()
    ids = torch.randint(0, 50, (8, 6))
    with torch.no_grad():
        before = torch.softmax(model(input_ids=ids).logits, -1).numpy()
    platt = Platt(slope=3.0, intercept=-1.5)
    assert bake_platt(model, platt, positive_index=1)
    with torch.no_grad():
        after = torch.softmax(model(input_ids=ids).logits, -1).numpy()
    np.testing.assert_allclose(after, apply_platt(before, platt, positive_index=1), rtol=1e-4, atol=1e-6)
