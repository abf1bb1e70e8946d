-- A scoring or publish run starts: its row exists from the first moment, status running.
insert into ops.scoring_runs (
    run_id, score_date, step, shard_index, shard_count,
    credit_model_version, fraud_model_version, news_model_version, challenger_versions,
    status, started_at
) values (
    :run_id, :score_date, :step, :shard_index, :shard_count,
    :credit_model_version, :fraud_model_version, :news_model_version, cast(:challenger_versions as jsonb),
    'running', :started_at
)
