"""Score one shard of a date into risk_stage: stream records, score in batches, COPY in chunks.

Records stream from a server-side cursor (`spec.scoring_records`), are scored a block at a
time and leave through COPY every `write_chunk_rows` rows, so memory stays flat however many
customers there are. The whole shard is written in one transaction that first clears what an
earlier run staged for the same slice: a crash leaves nothing half-staged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice

import numpy as np
from sqlalchemy.engine import Engine

from finrisk.config import ScoringSettings
from finrisk.db.copy import copy_rows
from finrisk.db.sql import query
from finrisk.features.protected import current_policy
from finrisk.features.records import explained_fields
from finrisk.models.specs import SPECS, ModelSpec
from finrisk.models.targets import CHALLENGER_TABLE, Scored
from finrisk.scoring.adverse_reasons import explain_adverse
from finrisk.scoring.embedding_store import EmbeddingStore
from finrisk.scoring.models import RunModels
from finrisk.scoring.reason_catalogue import load_catalogue
from finrisk.scoring.reasons import explain_batch

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]


class _Writer:
    """Buffers rows for one staging table and COPYs them every `chunk` rows."""

    def __init__(self, dbapi_conn, table: str, columns: tuple[str, ...], chunk: int) -> None:
        self.table, self.columns = table, columns
        self.dbapi_conn, self.chunk, self.rows, self.written = dbapi_conn, chunk, [], 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.written += copy_rows(self.dbapi_conn, self.table, self.columns, self.rows)
            self.rows = []


@dataclass
class ShardJob:
    """What one shard needs: date, slice, run id, the resolved versions and their loaded scorers."""

    score_date: date
    shard: tuple[int, int]
    run_id: str
    models: RunModels
    scorers: dict  # model -> Scorer (champion)
    challenger_scorers: dict = field(default_factory=dict)  # model -> Scorer
    references: dict = field(default_factory=dict)  # model -> reference.json


def _blocks(records: Iterator, size: int) -> Iterator[list]:
    while True:
        block = list(islice(records, size))
        if not block:
            return
        yield block


def _adverse(scorer, texts: list[str], batch_size: int) -> np.ndarray:
    probs = np.asarray(scorer.predict_proba(texts, batch_size), dtype=float)
    return np.clip(probs[:, scorer.positive_index], 0.0, 1.0) if len(texts) else np.zeros(0)


def _probs(scorer, records: list, batch_size: int, embeddings: np.ndarray | None = None) -> np.ndarray:
    # records, not texts: a fused model reads each record's tabular attributes as well as its text
    return np.asarray(
        scorer.predict_records(records, batch_size)
        if embeddings is None
        else scorer.predict_records(records, batch_size, embeddings),
        dtype=float,
    )


def _adverse_records(scorer, records: list, batch_size: int, embeddings: np.ndarray | None = None) -> np.ndarray:
    probs = _probs(scorer, records, batch_size, embeddings)
    return np.clip(probs[:, scorer.positive_index], 0.0, 1.0) if len(records) else np.zeros(0)


def _explainer(scorer, batch_size: int, embeddings: np.ndarray | None) -> Callable[[list, list], np.ndarray]:
    """Scores occluded variants; with a fused model's `embeddings` of the block, each variant keeps its owner's
    encoder vector (the encoder is not re-run per field: the field leaves the tabular vector, tree and n-grams)."""
    if embeddings is None:
        return lambda variants, owners: _adverse_records(scorer, variants, batch_size)
    return lambda variants, owners: _adverse_records(scorer, variants, batch_size, embeddings[owners])


def _explain_some(
    records: list, adverse: np.ndarray, wanted: list[int], explain, cfg: ScoringSettings, with_profile: bool
) -> list[list[dict] | None]:
    """Reason codes for the records at `wanted` (None elsewhere), all occluded variants scored together."""
    reasons: list[list[dict] | None] = [None] * len(records)
    if not wanted:
        return reasons
    if with_profile:  # an adverse decision about a customer: the bank's catalogue (finrisk.scoring.adverse_reasons)
        catalogue = load_catalogue(cfg.reason_catalogue, current_policy())
        found = explain_adverse(
            [records[i] for i in wanted],
            adverse[wanted],
            lambda variants, owners: explain(variants, [wanted[o] for o in owners]),  # owners index the block
            catalogue,
            cfg.reason_codes,
        )
        for i, codes in zip(wanted, found):
            reasons[i] = codes
        return reasons
    from finrisk.models.tabular import occluded_record
    from finrisk.scoring.reasons import field_groups

    # each occluded variant keeps its record's meta (explain_batch lists variants record by record)
    explained = {i: explained_fields(records[i]) for i in wanted}
    owners = [i for i in wanted for _ in field_groups(list(explained[i]), cfg.reason_max_fields)]
    found = explain_batch(
        [explained[i] for i in wanted],
        adverse[wanted],
        lambda variants: explain([occluded_record(records[o], v) for v, o in zip(variants, owners)], owners),
        cfg.reason_codes,
        cfg.reason_max_fields,
    )
    for i, codes in zip(wanted, found):
        reasons[i] = codes
    return reasons


def _store(engine: Engine, cfg: ScoringSettings, scorer, model: str) -> EmbeddingStore | None:
    """The stored vectors of `scorer`'s encoder (a challenger on the same base model shares the champion's)."""
    if scorer is None or not (cfg.embedding_store and getattr(scorer, "reuses_embeddings", False)):
        return None
    return EmbeddingStore(engine, model, scorer.vector_source, scorer.encoder_variant)


def _vectors(scorer, store: EmbeddingStore | None, records: list, batch_size: int) -> np.ndarray | None:
    """A fused model's encoder vectors of the block (stored ones reused), or None for a text model."""
    if store is not None:
        return store.vectors(scorer, records, batch_size)
    return scorer.embed_records(records, batch_size) if getattr(scorer, "reuses_embeddings", False) else None


def _stage_model(
    read_conn,
    dbapi_conn,
    spec: ModelSpec,
    job: ShardJob,
    cfg: ScoringSettings,
    progress: Progress | None,
    stores: tuple = (None, None),
) -> int:
    model, target = spec.name, spec.target
    scorer = job.scorers[model]
    challenger = job.challenger_scorers.get(model)
    version = job.models.champions[model].version
    main = _Writer(dbapi_conn, target.table, target.columns, cfg.write_chunk_rows)
    shadow = _Writer(dbapi_conn, *CHALLENGER_TABLE, cfg.write_chunk_rows)
    block_size = cfg.batch_size * 8  # several batches per call, so length grouping has room to work
    count = 0
    for records in _blocks(spec.scoring_records(read_conn, job.score_date, job.shard), block_size):
        embeddings = _vectors(scorer, stores[0], records, cfg.batch_size)
        probs = _probs(scorer, records, cfg.batch_size, embeddings)
        adverse = np.clip(probs[:, scorer.positive_index], 0.0, 1.0)
        explain = _explainer(scorer, cfg.batch_size, embeddings)
        # occlusion re-scores each record once per field: spend it only where a reason is asked for
        wanted = [i for i, p in enumerate(adverse) if target.wants_reason(float(p), cfg)]
        reasons = _explain_some(records, adverse, wanted, explain, cfg, with_profile=target.explains_profile)
        for i, record in enumerate(records):
            label = scorer.classes[int(np.argmax(probs[i]))]
            main.add(
                target.row(
                    Scored(job.run_id, job.score_date, record, float(adverse[i]), label, reasons[i], version), cfg
                )
            )
        if challenger is not None:
            shadow_probs = _adverse_records(
                challenger, records, cfg.batch_size, _vectors(challenger, stores[1], records, cfg.batch_size)
            )
            ref = job.models.challengers[model]
            for record, cp, p in zip(records, shadow_probs, adverse):
                shadow.add(
                    (
                        job.run_id,
                        job.score_date,
                        spec.registered_name,
                        ref.version,
                        record.key,
                        float(cp),
                        version,
                        float(p),
                    )
                )
        count += len(records)
        if progress:
            progress(model, len(records))
    main.flush()
    shadow.flush()
    return count


def clear_runs(conn, score_date: date, run_ids: list[str] | None) -> None:
    """Delete what the given runs staged (every model's rows, shadow rows, batches); None: the whole date."""
    params = {"score_date": score_date, "run_ids": run_ids}
    for spec in SPECS.values():
        conn.execute(spec.target.query("clear"), params)
    conn.execute(query("scoring/clear_batches"), params)


def stage_shard(
    engine: Engine, cfg: ScoringSettings, job: ShardJob, progress: Progress | None = None
) -> dict[str, int]:
    """Score the shard with every model that has a champion, into risk_stage, in one transaction."""
    counts: dict[str, int] = {}
    i, n = job.shard
    with engine.connect() as read_conn, engine.begin() as write_conn:
        old_runs = [
            r.run_id
            for r in write_conn.execute(
                query("scoring/shard_runs"), {"score_date": job.score_date, "shard_index": i, "shard_count": n}
            )
        ]
        if old_runs:
            clear_runs(write_conn, job.score_date, old_runs)
        dbapi_conn = write_conn.connection.dbapi_connection
        for model, spec in SPECS.items():
            if model not in job.models.champions:
                log.warning("run %s: %s has no @champion, not scored", job.run_id, model)
                continue
            stores = (
                _store(engine, cfg, job.scorers[model], model),
                _store(engine, cfg, job.challenger_scorers.get(model), model),
            )
            counts[model] = _stage_model(read_conn, dbapi_conn, spec, job, cfg, progress, stores)
            log.info("run %s shard %d/%d: %s scored %d rows", job.run_id, i, n, model, counts[model])
            for store in filter(None, stores):
                log.info(
                    "run %s shard %d/%d: %s encoder vectors (%s): %d reused, %d distinct texts encoded",
                    job.run_id,
                    i,
                    n,
                    model,
                    store.source[:20],
                    store.reused,
                    store.encoded,
                )
        write_conn.execute(
            query("scoring/insert_batch"),
            {
                "score_date": job.score_date,
                "shard_index": i,
                "shard_count": n,
                "run_id": job.run_id,
                "model_versions": json.dumps(job.models.versions),
                "model_counts": json.dumps(counts),
                "challenger_versions": json.dumps(job.models.challenger_versions),
                "model_references": json.dumps(job.references),
                "staged_at": datetime.now(UTC),
            },
        )
    return counts
