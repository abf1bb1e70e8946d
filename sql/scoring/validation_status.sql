-- The latest validation run of a date: how many tables it recorded and its first batch-level failure.
-- Scoring publishes only after a validation run that recorded every table without a batch failure.
with runs as (
    select
        v.run_id,
        max(v.finished_at) as finished_at,
        count(distinct v.table_name) as tables,
        count(*) filter (where v.batch_failure is not null) as batch_failures,
        min(v.batch_failure) as first_failure
    from quality.validation_runs v
    where v.run_date = :run_date
    group by v.run_id
),
latest as (
    select * from runs order by finished_at desc limit 1
)

select * from latest
