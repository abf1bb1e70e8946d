-- The runs an earlier scoring of the same slice of the date staged (before it is staged again).
with old_runs as (
    select b.run_id
    from risk_stage.batches b
    where b.score_date = :score_date and b.shard_index = :shard_index and b.shard_count = :shard_count
)

select run_id from old_runs
