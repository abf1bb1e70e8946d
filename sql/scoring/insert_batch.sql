-- Mark a shard as completely staged; publish merges only complete sets of batches.
insert into risk_stage.batches (
    score_date, shard_index, shard_count, run_id,
    credit_model_version, fraud_model_version, news_model_version,
    challenger_versions, model_references,
    customers_scored, transactions_scored, articles_scored, staged_at
) values (
    :score_date, :shard_index, :shard_count, :run_id,
    :credit_model_version, :fraud_model_version, :news_model_version,
    cast(:challenger_versions as jsonb), cast(:model_references as jsonb),
    :customers_scored, :transactions_scored, :articles_scored, :staged_at
)
