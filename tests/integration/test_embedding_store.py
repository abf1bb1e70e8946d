"""Stored encoder vectors (ops.text_embeddings): a night encodes each new distinct text once, reuses what an
earlier night stored bit for bit, keeps model versions and encoder variants apart, and forgets old vectors."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from staging_rows import build_dataset
from test_train import tiny_args

from finrisk.features.records import Record
from finrisk.models import fusion
from finrisk.models.specs import SPECS
from finrisk.models.train import train_model
from finrisk.registry.client import load_scorer, resolve_alias
from finrisk.scoring.embedding_store import EmbeddingStore, prune


@pytest.fixture()
def scored(settings, engine):
    with engine.begin() as conn:
        build_dataset(conn, n_customers=120)
    result = train_model(settings, "credit", tiny_args(settings, wide_features=2**10, head_epochs=2))
    assert result.version
    scorer = load_scorer(settings, resolve_alias(settings, "credit", "champion")
                         or resolve_alias(settings, "credit", "challenger"))
    with engine.connect() as conn:
        records = SPECS["credit"].training_records(conn)[:30]
    return scorer, records


def _count_embeds(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = fusion.embed
    monkeypatch.setattr(fusion, "embed", lambda enc, tok, texts, *a, **k: calls.append(len(texts)) or
                        real(enc, tok, texts, *a, **k))
    return calls


def test_a_night_encodes_only_texts_no_earlier_night_stored(scored, engine, monkeypatch):
    scorer, records = scored
    twin = Record("twin", dict(records[0].fields), records[0].meta)  # same text, another customer
    block = [*records, twin]
    distinct = len(set(scorer.encoder_texts(block)))
    calls = _count_embeds(monkeypatch)
    store = EmbeddingStore(engine, "credit", scorer.ref.version, scorer.encoder_variant)
    first = store.vectors(scorer, block, 16)
    assert calls == [distinct] and store.encoded == distinct and store.reused == len(block) - distinct
    np.testing.assert_allclose(first, scorer.embed_records(block, 16), atol=1e-5)
    np.testing.assert_array_equal(first[-1], first[0])
    calls.clear()

    # the next night: the same texts come back from the store exactly, one edited text is the only one encoded
    edited = Record(records[1].key, {**records[1].fields, "notes": "asked for a payment holiday"}, records[1].meta)
    tomorrow = EmbeddingStore(engine, "credit", scorer.ref.version, scorer.encoder_variant)
    again = tomorrow.vectors(scorer, [records[0], edited, *records[2:]], 16)
    assert calls == [1] and tomorrow.encoded == 1
    np.testing.assert_array_equal(again[[0, *range(2, len(records))]], first[[0, *range(2, len(records))]])
    assert not np.array_equal(again[1], first[1])

    # a daily figure (wide only: n-grams and tabular vector) is not in the encoder text: nothing to encode
    calls.clear()
    spent = Record(records[2].key, {**records[2].fields, "spend 30d": "97 txns 12345"}, records[2].meta)
    assert "spend 30d" in records[2].meta["wide_only"] and "spend 30d" not in scorer.encoder_texts([spent])[0]
    later = EmbeddingStore(engine, "credit", scorer.ref.version, scorer.encoder_variant)
    np.testing.assert_array_equal(later.vectors(scorer, [spent], 16)[0], first[2])
    assert calls == [] and later.encoded == 0

    # another encoder variant or model version never reads these vectors
    calls.clear()
    other = EmbeddingStore(engine, "credit", scorer.ref.version, "cuda-bf16")
    other.vectors(scorer, records[:5], 16)
    assert calls == [5]

    with engine.begin() as conn:
        stored = conn.execute(sa.text("select count(*) from ops.text_embeddings")).scalar_one()
        conn.execute(sa.text("update ops.text_embeddings set computed_on = computed_on - 31 where encoder = 'cuda-bf16'"))
    assert prune(engine, 30) == 5
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from ops.text_embeddings")).scalar_one() == stored - 5
