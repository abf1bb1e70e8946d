-- Mark a shard as completely staged; publish merges only complete sets of batches.
-- The first three models' own columns are filled from the jsonb for the queries that read them.
insert into risk_stage.batches (
    score_date, shard_index, shard_count, run_id,
    model_versions, model_counts, challenger_versions, model_references,
    credit_model_version, fraud_model_version, news_model_version,
    customers_scored, transactions_scored, articles_scored, staged_at
)
with given as (
    select cast(:model_versions as jsonb) as versions, cast(:model_counts as jsonb) as counts
)
select
    :score_date, :shard_index, :shard_count, :run_id,
    versions, counts, cast(:challenger_versions as jsonb), cast(:model_references as jsonb),
    versions ->> 'credit', versions ->> 'fraud', versions ->> 'news',
    coalesce(cast(counts ->> 'credit' as bigint), 0), coalesce(cast(counts ->> 'fraud' as bigint), 0),
    coalesce(cast(counts ->> 'news' as bigint), 0), :staged_at
from given
