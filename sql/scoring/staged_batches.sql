-- The batches of the most recent shard layout staged for a date (a rerun with another shard
-- count supersedes older layouts).
with latest_layout as (
    select b.shard_count
    from risk_stage.batches b
    where b.score_date = :score_date
    order by b.staged_at desc
    limit 1
),
batches as (
    select b.*
    from risk_stage.batches b
    join latest_layout l on l.shard_count = b.shard_count
    where b.score_date = :score_date
)

select * from batches order by shard_index
