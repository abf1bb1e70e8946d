-- A scoring or publish run starts: its row exists from the first moment, status running, with the
-- backend that holds its locks (so a later run can tell whether it is still alive).
insert into ops.scoring_runs (
    run_id, score_date, step, shard_index, shard_count,
    model_versions, credit_model_version, fraud_model_version, news_model_version, challenger_versions,
    status, started_at, backend_pid, backend_started_at,
    validation_run_id, is_validation_skipped, skipped_models
)
with given as (
    select cast(:model_versions as jsonb) as versions
)
select
    :run_id, :score_date, :step, :shard_index, :shard_count,
    versions, versions ->> 'credit', versions ->> 'fraud', versions ->> 'news', cast(:challenger_versions as jsonb),
    'running', :started_at, :backend_pid, :backend_started_at,
    :validation_run_id, :is_validation_skipped, cast(:skipped_models as jsonb)
from given
