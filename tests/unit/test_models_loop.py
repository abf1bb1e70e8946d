"""Optimiser groups and the class-weight prior correction, on a tiny model built in code (no I/O)."""

from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def _tiny(num_labels=2):
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=50,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=8,
        num_labels=num_labels,
    )
    return BertForSequenceClassification(config)


def test_head_gets_its_own_learning_rate():
    from finrisk.models.loop import param_groups

    model = _tiny()
    encoder, head = param_groups(model, SimpleNamespace(learning_rate=1e-4, head_learning_rate=1e-3))
    assert (encoder["lr"], head["lr"]) == (1e-4, 1e-3)
    assert {id(p) for p in head["params"]} == {id(p) for p in model.classifier.parameters()}
    assert len(encoder["params"]) + len(head["params"]) == len(list(model.parameters()))
    _, same = param_groups(model, SimpleNamespace(learning_rate=1e-4, head_learning_rate=0.0))
    assert same["lr"] == 1e-4


def test_undo_class_weights_divides_each_class_probability_by_its_weight():
    from finrisk.models.recipes import undo_class_weights

    model = _tiny().eval()
    ids = torch.tensor([[1, 5, 7, 2]])
    before = torch.softmax(model(input_ids=ids).logits, -1).detach().numpy()[0]
    weights = [0.55, 5.5]
    undo_class_weights(model, weights)
    after = torch.softmax(model(input_ids=ids).logits, -1).detach().numpy()[0]
    expected = before / np.array(weights)
    np.testing.assert_allclose(after, expected / expected.sum(), rtol=1e-5)


def test_texts_are_tokenized_once_and_padded_per_batch_exactly_as_a_direct_call():
    """`tokenize_once` + `padded_batch` give the tensors a per-batch tokenizer call gives (the packaged
    MiniLM tokenizer, offline), so scoring's speed-up changes no input."""
    from transformers import AutoTokenizer

    from finrisk.models.backbone import packaged_path
    from finrisk.models.loop import length_grouped_batches, padded_batch, tokenize_once

    tokenizer = AutoTokenizer.from_pretrained(packaged_path())
    texts = ["income: 4,200 EUR", "", "notes: " + "late payment " * 80, "segment: retail\ncompany: Acme GmbH"]
    encoded, lengths = tokenize_once(tokenizer, texts, 32)
    assert lengths == [len(tokenizer(t, truncation=True, max_length=32)["input_ids"]) for t in texts]
    assert max(lengths) == 32  # the long text is truncated
    for batch in length_grouped_batches(lengths, 3, rng=None):
        got = padded_batch(tokenizer, encoded, batch, "cpu")
        want = tokenizer([texts[i] for i in batch], truncation=True, max_length=32, padding=True, return_tensors="pt")
        assert set(got) == set(want)
        for key in want:
            assert torch.equal(got[key], want[key]), key
