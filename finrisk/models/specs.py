"""Model specs: what each model reads, how it is labelled and which metrics gate it.

One `ModelSpec` per model drives the single training loop (`train.train_model`) and the
single prediction loop (`loop.predict_proba`). `scoring_records` is what the nightly scoring
step streams; it uses the same feature SQL and builders as `training_records`, so a record
is serialized identically in training and in scoring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from finrisk.dates import end_of_day, start_of_day
from finrisk.errors import FinriskError
from finrisk.features import credit, fraud, news
from finrisk.features.records import Record, shard_params
from finrisk.features.serialize import to_text
from finrisk.features.stream import CHUNK_ROWS, stream_rows, with_features
from finrisk.models import targets
from finrisk.models.targets import StageTarget


@dataclass(frozen=True)
class ModelSpec:
    """Everything that differs between the three models; the loops are shared."""

    name: str
    registered_name: str
    classes: tuple[str, ...]
    positive_index: int
    unit: str
    training_sql: str
    scoring_sql: str
    features_sql: str | None
    features_use_as_of: bool
    build: Callable[[dict[str, Any]], Record]
    synthetic: Callable[[], dict[str, str]]
    known_column: str
    target: StageTarget  # where its scores are staged and published, and the SQL that does it
    units: str = "rows"  # what a key names, plural, for messages ("customers")
    primary_metric: str = "auc"  # what the gate, early stopping and the baselines compare; its margin
    # against the champion is the gate setting f"{primary_metric}_margin" (auc_margin, macro_f1_margin)
    fused: bool = True  # frozen encoder + tabular vector in one head (fusion.py); False = fine-tune the encoder
    daily_window: bool = True  # scoring reads the events of the score date only (:day_start)
    # nightly populations (days ending on the as-of date) pooled into the monitoring reference; 1 for a standing one
    reference_days: int = 7
    group_attributes: tuple[str, ...] | None = None  # fairness table keys; None = segment + settings' protected
    class_weighted: bool = False  # weighted loss for the fine-tune (then prior-corrected)
    must_beat_baseline: bool = True
    population_sampling: bool = False  # train on the scored population (mature unlabelled = negative, sampled)
    features_chunk: int = CHUNK_ROWS  # examples per feature query (a query with a fixed cost per call wants more)

    @property
    def num_labels(self) -> int:
        return len(self.classes)

    @property
    def is_binary(self) -> bool:
        return len(self.classes) == 2

    def label_index(self, value: Any) -> int:
        """The class index of a raw label (boolean for credit/fraud, a sentiment word for news)."""
        if self.is_binary:
            return int(bool(value))
        try:
            return self.classes.index(str(value).lower())
        except ValueError:
            raise FinriskError(
                f"{self.registered_name}: label {value!r} is not one of {', '.join(self.classes)}"
            ) from None

    def _records(self, conn: Connection, examples: Iterator[dict]) -> Iterator[tuple[dict, Record]]:
        if self.features_sql is None:
            for row in examples:
                yield row, self.build(row)
            return
        for example, row in with_features(
            conn, examples, self.features_sql, self.features_use_as_of, self.features_chunk
        ):
            yield example, self.build(row)

    def training_records(
        self, conn: Connection, as_of: date | None = None, population: dict | None = None
    ) -> list[Record]:
        """Every labelled example known by the end of `as_of` (None: all staged), point in time, ordered by time.

        For a spec with `population_sampling` (fraud), `population` = {"maturity_days", "genuine_target"} reads
        the population it scores instead: mature unlabelled rows count as negatives, sampled (the row's
        `sample_rate` lands in meta); None reads the labelled rows only."""
        known_by = end_of_day(as_of) if as_of is not None else None
        params = {"known_by": known_by}
        if self.population_sampling:
            params.update({"population": population is not None, "maturity_days": 0, "genuine_target": 0})
            params.update({k: v for k, v in (population or {}).items() if k in ("maturity_days", "genuine_target")})
        examples = list(stream_rows(conn, self.training_sql, params))
        unknown = [row["key"] for row in examples if not row[self.known_column]]
        if unknown:
            raise FinriskError(
                f"{self.registered_name}: {len(unknown)} label(s) refer to unknown {self.units} (first: {unknown[0]})"
            )
        records = []
        for example, record in self._records(conn, iter(examples)):
            if record.meta.get("has_profile") is False:
                continue  # the customer was not yet known at the snapshot: nothing to read, not a label to learn
            record.meta["label"] = self.label_index(example["label"])
            record.meta["time"] = example["as_of"]
            if "sample_rate" in example:
                record.meta["sample_rate"] = float(example["sample_rate"])
                record.meta["maturity_days"] = example["maturity_days"]
            records.append(record)
        return records

    def scoring_records(
        self, conn: Connection, score_date: date, shard: tuple[int, int] | None = None
    ) -> Iterator[Record]:
        """Stream the records to score on `score_date`, point in time, optionally one shard (i, n)."""
        params = {"as_of": end_of_day(score_date), "day_start": start_of_day(score_date), **shard_params(shard)}
        if not self.daily_window:
            params.pop("day_start")
        for _, record in self._records(conn, stream_rows(conn, self.scoring_sql, params)):
            yield record

    def synthetic_text(self) -> str:
        """Input example for the MLflow signature: made up, never a real customer's text."""
        return to_text(self.synthetic())


SPECS: dict[str, ModelSpec] = {
    "credit": ModelSpec(
        name="credit",
        registered_name="finrisk-credit",
        classes=("good", "default"),
        positive_index=1,
        unit="customer at a snapshot date",
        training_sql="features/credit_training_examples",
        scoring_sql="features/credit_scoring_examples",
        features_sql="features/credit_features",
        features_use_as_of=True,
        build=credit.build,
        synthetic=credit.synthetic_fields,
        known_column="is_known_customer",
        target=targets.CREDIT,
        units="customers",
        daily_window=False,
        reference_days=1,
    ),
    "fraud": ModelSpec(
        name="fraud",
        registered_name="finrisk-fraud",
        classes=("legit", "fraud"),
        positive_index=1,
        unit="transaction",
        training_sql="features/fraud_training_examples",
        scoring_sql="features/fraud_scoring_examples",
        features_sql="features/fraud_features",
        features_use_as_of=False,
        build=fraud.build,
        synthetic=fraud.synthetic_fields,
        known_column="is_known_txn",
        target=targets.FRAUD,
        units="transactions",
        population_sampling=True,
        features_chunk=5000,  # each call reads the labels of the last 90 days once (fraud_features.sql)
    ),
    "news": ModelSpec(
        name="news",
        registered_name="finrisk-news",
        classes=("negative", "neutral", "positive"),
        positive_index=0,
        unit="article",
        training_sql="features/news_training_examples",
        scoring_sql="features/news_scoring_examples",
        features_sql=None,
        features_use_as_of=False,
        build=news.build,
        synthetic=news.synthetic_fields,
        known_column="is_known_article",
        target=targets.NEWS,
        units="articles",
        reference_days=30,  # a handful of articles a night: a month makes a sample
        primary_metric="macro_f1",
        fused=False,
        group_attributes=("source",),
        must_beat_baseline=False,
    ),
}


MODELS = tuple(SPECS)  # the built-in models, for wiring the DAGs; code that runs reads SPECS


def get_spec(model: str) -> ModelSpec:
    """The spec for credit|fraud|news (or its registered name), or a one-line error."""
    key = model.removeprefix("finrisk-")
    if key not in SPECS:
        raise FinriskError(f"model {model!r} is unknown: choose one of {', '.join(SPECS)}")
    return SPECS[key]


def as_utc(value: datetime | date) -> datetime:
    """A record's time as an aware datetime (credit snapshot dates become midnight UTC)."""
    return value if isinstance(value, datetime) else start_of_day(value)
