"""The device choices of finrisk.models.runtime: exact rows on CPU, and the CUDA path forced on CPU.

No GPU runs in CI, so the CUDA choices (bf16 autocast, large length-sorted batches, training
batches of at least 256, torch.compile) run here on CPU through `Runtime.cuda_like`, with the
"eager" compile backend (inductor would compile C++ for minutes on CPU); the same functions
scoring and training call.
"""

from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

TEXTS = [
    "income: 4,200 EUR\nsegment: retail",
    "notes: " + "late payment " * 30,
    "company: Acme GmbH",
    "segment: private\nincome: 12,900 EUR\ncountry: DE\nproduct: mortgage",
    "",
    "tenure: 3 years",
]


@pytest.fixture(scope="module")
def minilm():
    from finrisk.models.backbone import load_backbone

    backbone = load_backbone(None, 2, 0)
    return backbone.model.eval(), backbone.tokenizer


def _tiny(num_labels=2):
    from finrisk.models.backbone import load_backbone

    backbone = load_backbone("tiny-random", num_labels, 0)
    return backbone.model.eval(), backbone.tokenizer


def test_on_cpu_an_int8_vector_does_not_depend_on_the_texts_embedded_with_it(minilm):
    """The packaged MiniLM in int8, as scoring runs it: a text's vector is equal to the bit whether it is
    embedded with all the texts, with a few, or alone (batched int8 moved it by up to 0.13)."""
    from finrisk.models.fusion import embed
    from finrisk.models.quantize import inference_encoder

    model, tokenizer = minilm
    encoder = inference_encoder(model.bert, torch.device("cpu"))
    assert encoder.is_int8
    everything = embed(encoder, tokenizer, TEXTS, 64, batch_size=64)
    some = embed(encoder, tokenizer, TEXTS[1::2], 64, batch_size=64)
    alone = embed(encoder, tokenizer, TEXTS[3:4], 64, batch_size=64)
    assert np.array_equal(everything[1::2], some)
    assert np.array_equal(everything[3:4], alone)
    assert not np.allclose(everything[0], everything[2])  # different texts, different vectors


def test_on_cpu_class_probabilities_do_not_depend_on_the_texts_scored_with_them(minilm):
    from finrisk.models.loop import predict_proba
    from finrisk.models.quantize import quantize_int8

    model, tokenizer = minilm
    int8 = quantize_int8(model)
    everything = predict_proba(int8, tokenizer, TEXTS, 64, batch_size=64)
    assert np.array_equal(everything[::2], predict_proba(int8, tokenizer, TEXTS[::2], 64, batch_size=64))


def test_the_runtime_of_each_device():
    from finrisk.models.runtime import CUDA_PREDICT_ROWS, CUDA_TRAIN_ROWS, Runtime

    cpu = Runtime.for_device("cpu")
    assert not cpu.bf16 and cpu.compile_backend is None
    assert cpu.rows_per_forward(64) == 1 and cpu.train_batch(16) == 16
    assert not isinstance(cpu.autocast(), torch.autocast)
    cuda = Runtime.for_device(torch.device("cuda"))  # the choice only: nothing runs on the device
    assert cuda.bf16 and cuda.compile_backend == "inductor"
    assert cuda.rows_per_forward(64) == CUDA_PREDICT_ROWS and cuda.rows_per_forward(10_000) == 10_000
    assert cuda.train_batch(16) == CUDA_TRAIN_ROWS and cuda.train_batch(1024) == 1024
    ctx = cuda.autocast()
    assert isinstance(ctx, torch.autocast) and ctx.fast_dtype == torch.bfloat16


def test_the_transformers_run_sdpa_attention():
    model, _ = _tiny()
    assert model.config._attn_implementation == "sdpa"


def test_the_cuda_prediction_path_forced_on_cpu_agrees_with_float32():
    """bf16 autocast, one length-sorted batch and a compiled model give the float32 probabilities to bf16
    precision, in the order of the texts; the model is compiled once and reused."""
    from finrisk.models.fusion import embed
    from finrisk.models.loop import predict_proba
    from finrisk.models.runtime import Runtime

    model, tokenizer = _tiny()
    cuda_like = Runtime.cuda_like("cpu", compile_backend="eager")
    want = predict_proba(model, tokenizer, TEXTS, 64)
    got = predict_proba(model, tokenizer, TEXTS, 64, runtime=cuda_like)
    np.testing.assert_allclose(got, want, atol=0.02)
    assert cuda_like.prepare(model) is cuda_like.prepare(model)
    assert cuda_like.prepare(model) is not model
    vectors = embed(model.bert, tokenizer, TEXTS, 64, runtime=cuda_like)
    np.testing.assert_allclose(vectors, embed(model.bert, tokenizer, TEXTS, 64), atol=0.05)


def test_the_cuda_training_path_forced_on_cpu_steps_with_the_large_batch():
    """`fit` with the CUDA runtime: bf16 autocast, compiled forward, at least 256 examples per step; the
    compiled wrapper trains the model's own weights."""
    from finrisk.models.loop import fit
    from finrisk.models.runtime import Runtime

    model, tokenizer = _tiny()
    texts = [f"income: {i * 37 % 900} EUR\nsegment: {'retail' if i % 3 else 'private'}" for i in range(300)]
    labels = [i % 2 for i in range(300)]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    args = SimpleNamespace(
        seed=0,
        max_length=32,
        batch_size=16,
        epochs=1,
        max_steps=-1,
        eval_every=0,
        learning_rate=1e-3,
        head_learning_rate=1e-3,
        weight_decay=0.0,
        warmup_ratio=0.0,
        patience=1,
    )
    result = fit(
        model,
        tokenizer,
        texts,
        labels,
        args,
        torch.device("cpu"),
        validate=lambda: 0.5,
        runtime=Runtime.cuda_like("cpu", compile_backend="eager"),
    )
    assert result.steps == 2  # 300 examples in steps of 256, not 19 steps of 16
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
