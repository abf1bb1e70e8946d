"""CPU speed levers on a small BERT built in code (no I/O): int8 where it pays, untouched on CUDA."""

from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def _bert(hidden=256, num_labels=2):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=120,
        hidden_size=hidden,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=hidden,
        num_labels=num_labels,
        max_position_embeddings=64,
    )
    return BertForSequenceClassification(config).eval()


def _probs(model, ids):
    with torch.inference_mode():
        return torch.softmax(model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits, -1).numpy()


def test_int8_quantizes_the_encoder_layers_and_keeps_the_head_float():
    from finrisk.models.quantize import for_cpu_scoring

    model = _bert()
    ids = torch.randint(5, 120, (8, 20))
    before = _probs(model, ids)
    holder = SimpleNamespace(model=model, device=torch.device("cpu"))
    for_cpu_scoring(holder)
    quantized = holder.model
    assert quantized is not model and quantized.is_int8
    kinds = {name: type(m).__module__ for name, m in quantized.named_modules() if "Linear" in type(m).__name__}
    assert kinds["classifier"] == "torch.nn.modules.linear"  # the head stays float32
    assert "quantized" in kinds["bert.encoder.layer.0.attention.self.query"]
    np.testing.assert_allclose(_probs(quantized, ids), before, atol=0.05)
    for_cpu_scoring(holder)
    assert holder.model is quantized  # already int8: not quantized twice


def test_forced_cuda_device_keeps_the_float_model_for_bf16():
    from finrisk.models.quantize import for_cpu_scoring

    model = _bert()
    holder = SimpleNamespace(model=model, device=torch.device("cuda"))
    assert for_cpu_scoring(holder).model is model
    off = SimpleNamespace(model=model, device=torch.device("cpu"))
    assert for_cpu_scoring(off, enabled=False).model is model


def test_a_frozen_encoder_attribute_is_quantized_too():
    from finrisk.models.quantize import for_cpu_scoring

    encoder = _bert().bert
    holder = SimpleNamespace(encoder=encoder)  # no device attribute: taken from the parameters
    for_cpu_scoring(holder)
    assert holder.encoder.is_int8


def test_tiny_models_are_left_alone():
    from finrisk.models.quantize import for_cpu_scoring

    model = _bert(hidden=32)
    assert for_cpu_scoring(SimpleNamespace(model=model, device=torch.device("cpu"))).model is model


def test_a_model_trained_in_float32_is_scored_in_float32_and_training_embeds_as_scoring_will():
    from finrisk.models.quantize import for_cpu_scoring, inference_encoder

    encoder = _bert().bert
    float_model = SimpleNamespace(encoder=encoder, cpu_int8=False)
    assert for_cpu_scoring(float_model).encoder is encoder  # trained on float32 vectors: scored on them
    assert inference_encoder(encoder, torch.device("cpu"), int8=False) is encoder
    assert inference_encoder(encoder, torch.device("cuda")) is encoder  # bf16 autocast on CUDA, no int8
    int8 = inference_encoder(encoder, torch.device("cpu"))
    assert int8 is not encoder and int8.is_int8
    assert inference_encoder(int8, torch.device("cpu")) is int8
