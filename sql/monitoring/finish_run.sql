-- A run ends (staged, published, empty or failed) with its counts, duration and throughput.
-- :model_counts is null when the run counted nothing (a failure before scoring, a publish).
with given as (
    select cast(:model_counts as jsonb) as counts
)
update ops.scoring_runs
set status = :status,
    error = :error,
    model_counts = coalesce(given.counts, model_counts),
    customers_scored = coalesce(cast(given.counts ->> 'credit' as bigint), customers_scored),
    transactions_scored = coalesce(cast(given.counts ->> 'fraud' as bigint), transactions_scored),
    articles_scored = coalesce(cast(given.counts ->> 'news' as bigint), articles_scored),
    rows_published = coalesce(:rows_published, rows_published),
    finished_at = :finished_at,
    duration_s = :duration_s,
    rows_per_s = :rows_per_s
from given
where run_id = :run_id
