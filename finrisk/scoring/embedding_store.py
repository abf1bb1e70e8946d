"""Encoder vectors of serialized texts kept in the warehouse, so a night encodes only new texts.

A fused model's encoder is frozen: its vector of a text depends only on the encoder (its
fingerprint, `Scorer.vector_source`, shared by every version trained on the same base model, so
vectors survive the weekly retrain; a model trained without one is keyed by its version), the
encoder variant that ran it (on CPU int8 or float32, one text per forward, so no batch mate changes
it; bf16 on CUDA) and the text. The encoder texts of
credit and fraud records hold only slow fields (FusedModel.encoder_texts), so most of them were seen on an
earlier night, or earlier in the same block: each block of records is looked up by the SHA-256
of its texts, the distinct texts not found are encoded once, and their vectors are stored for
the next night (ops.text_embeddings, migration 070). A vector stored by a run that failed later
is still right, so the store is written in its own short transactions, keys sorted so that
concurrent shards lock rows in the same order.

An int8 encoder quantizes activations per batch, so a vector computed tonight can differ in the
last digits from the one the same text would get in another batch; a stored vector is reused
as it is, which keeps a customer's score steady while the text is unchanged.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import numpy as np
from sqlalchemy.engine import Engine

from finrisk.db.sql import query

log = logging.getLogger(__name__)


def text_sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


@dataclass
class EmbeddingStore:
    """The stored vectors of one model version and encoder variant; `vectors` is the only entry point."""

    engine: Engine
    model_name: str
    source: str  # Scorer.vector_source: the frozen encoder's fingerprint, or the model version
    encoder: str
    reused: int = 0  # records whose vector came from the store or from an earlier record of the block
    encoded: int = 0  # distinct texts encoded

    def _key(self) -> dict:
        return {"model_name": self.model_name, "source": self.source, "encoder": self.encoder}

    def _lookup(self, shas: list[bytes]) -> dict[bytes, np.ndarray]:
        with self.engine.connect() as conn:
            rows = conn.execute(query("embeddings/lookup"), {**self._key(), "shas": shas}).all()
        return {bytes(sha): np.frombuffer(bytes(vector), dtype="<f4") for sha, vector in rows}

    def _store(self, found: dict[bytes, np.ndarray]) -> None:
        shas = sorted(found)
        with self.engine.begin() as conn:
            conn.execute(
                query("embeddings/insert"),
                {
                    **self._key(),
                    "shas": shas,
                    "vectors": [np.ascontiguousarray(found[s], dtype="<f4").tobytes() for s in shas],
                },
            )

    def vectors(self, scorer, records: list, batch_size: int) -> np.ndarray:
        """(n, hidden) encoder vectors of `records`: stored ones reused, each distinct new text encoded once."""
        shas = [text_sha256(t) for t in scorer.encoder_texts(records)]
        distinct = list(dict.fromkeys(shas))
        known = self._lookup(distinct) if distinct else {}
        first = {}
        for record, sha in zip(records, shas):
            if sha not in known and sha not in first:
                first[sha] = record
        if first:
            fresh = np.asarray(scorer.embed_records(list(first.values()), batch_size), dtype=np.float32)
            new = dict(zip(first, fresh))
            self._store(new)
            known.update(new)
        self.encoded += len(first)
        self.reused += len(records) - len(first)
        if not records:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([known[s] for s in shas]).astype(np.float32, copy=False)


def prune(engine: Engine, days: int) -> int:
    """Delete vectors computed more than `days` days ago; returns how many."""
    with engine.begin() as conn:
        return int(conn.execute(query("embeddings/prune"), {"days": days}).scalar_one())
