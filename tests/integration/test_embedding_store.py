"""Stored encoder vectors (ops.text_embeddings): a night encodes each new distinct text once, reuses what an
earlier night stored bit for bit, keeps encoders and encoder variants apart (versions of one frozen encoder share
them), and forgets old vectors."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from staging_rows import build_dataset
from test_train import tiny_args

from finrisk.features.records import Record
from finrisk.models import fusion
from finrisk.models.specs import SPECS
from finrisk.registry.client import get_version, load_scorer, resolve_alias
from finrisk.scoring.embedding_store import EmbeddingStore, prune
from finrisk.training.train import train_model


@pytest.fixture()
def scored(settings, engine):
    with engine.begin() as conn:
        build_dataset(conn, n_customers=120)
    result = train_model(settings, "credit", tiny_args(settings, wide_features=2**10, head_epochs=2))
    assert result.version
    scorer = load_scorer(
        settings, resolve_alias(settings, "credit", "champion") or resolve_alias(settings, "credit", "challenger")
    )
    with engine.connect() as conn:
        records = SPECS["credit"].training_records(conn)[:30]
    return scorer, records


def _count_embeds(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = fusion.embed
    monkeypatch.setattr(
        fusion, "embed", lambda enc, tok, texts, *a, **k: calls.append(len(texts)) or real(enc, tok, texts, *a, **k)
    )
    return calls


def test_a_night_encodes_only_texts_no_earlier_night_stored(scored, engine, monkeypatch):
    scorer, records = scored
    twin = Record("twin", dict(records[0].fields), records[0].meta)  # same text, another customer
    block = [*records, twin]
    distinct = len(set(scorer.encoder_texts(block)))
    calls = _count_embeds(monkeypatch)
    store = EmbeddingStore(engine, "credit", scorer.vector_source, scorer.encoder_variant)
    first = store.vectors(scorer, block, 16)
    assert calls == [distinct] and store.encoded == distinct and store.reused == len(block) - distinct
    np.testing.assert_allclose(first, scorer.embed_records(block, 16), atol=1e-5)
    np.testing.assert_array_equal(first[-1], first[0])
    calls.clear()

    # the next night: the same texts come back from the store exactly, one edited text is the only one encoded
    edited = Record(records[1].key, {**records[1].fields, "notes": "asked for a payment holiday"}, records[1].meta)
    tomorrow = EmbeddingStore(engine, "credit", scorer.vector_source, scorer.encoder_variant)
    again = tomorrow.vectors(scorer, [records[0], edited, *records[2:]], 16)
    assert calls == [1] and tomorrow.encoded == 1
    np.testing.assert_array_equal(again[[0, *range(2, len(records))]], first[[0, *range(2, len(records))]])
    assert not np.array_equal(again[1], first[1])

    # a daily figure (wide only: n-grams and tabular vector) is not in the encoder text: nothing to encode
    calls.clear()
    spent = Record(records[2].key, {**records[2].fields, "spend 30d": "97 txns 12345"}, records[2].meta)
    assert "spend 30d" in records[2].meta["wide_only"] and "spend 30d" not in scorer.encoder_texts([spent])[0]
    later = EmbeddingStore(engine, "credit", scorer.vector_source, scorer.encoder_variant)
    np.testing.assert_array_equal(later.vectors(scorer, [spent], 16)[0], first[2])
    assert calls == [] and later.encoded == 0

    # another encoder variant or model version never reads these vectors
    calls.clear()
    other = EmbeddingStore(engine, "credit", scorer.vector_source, "cuda-bf16")
    other.vectors(scorer, records[:5], 16)
    assert calls == [5]

    with engine.begin() as conn:
        stored = conn.execute(sa.text("select count(*) from ops.text_embeddings")).scalar_one()
        conn.execute(
            sa.text("update ops.text_embeddings set computed_on = computed_on - 31 where encoder = 'cuda-bf16'")
        )
    assert prune(engine, 30) == 5
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from ops.text_embeddings")).scalar_one() == stored - 5


def test_versions_on_the_same_frozen_encoder_share_vectors_and_another_max_length_does_not(
    scored, settings, engine, monkeypatch
):
    scorer, records = scored
    assert scorer.vector_source.startswith("encoder:") and len(scorer.vector_source) == len("encoder:") + 64
    EmbeddingStore(engine, "credit", scorer.vector_source, scorer.encoder_variant).vectors(scorer, records, 16)

    # the weekly retrain: another head on the same frozen encoder -> tonight reads last week's vectors
    # (tiny-random's encoder is drawn from the seed, so the seed stays; the packaged MiniLM's comes from its file)
    retrained = train_model(settings, "credit", tiny_args(settings, wide_features=2**11, head_epochs=3))
    again = load_scorer(settings, get_version(settings, "credit", retrained.version))
    assert again.ref.version != scorer.ref.version and again.vector_source == scorer.vector_source
    calls = _count_embeds(monkeypatch)
    store = EmbeddingStore(engine, "credit", again.vector_source, again.encoder_variant)
    store.vectors(again, records, 16)
    assert calls == [] and store.encoded == 0

    # texts cut at another length, or another encoder, are other vectors
    other_seed = train_model(settings, "credit", tiny_args(settings, wide_features=2**10, head_epochs=2, seed=7))
    assert (
        load_scorer(settings, get_version(settings, "credit", other_seed.version)).vector_source != scorer.vector_source
    )
    shorter = train_model(settings, "credit", tiny_args(settings, wide_features=2**10, head_epochs=2, max_length=16))
    cut = load_scorer(settings, get_version(settings, "credit", shorter.version))
    assert cut.vector_source.startswith("encoder:") and cut.vector_source != scorer.vector_source
