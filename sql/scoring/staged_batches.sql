-- The batches of the most recent shard layout staged for a date (a rerun with another shard
-- count supersedes older layouts), or exactly the batches of the given run ids.
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
    where b.score_date = :score_date
      and (
          (cast(:run_ids as text[]) is null and b.shard_count = (select shard_count from latest_layout))
          or b.run_id = any(cast(:run_ids as text[]))
      )
)

select * from batches order by shard_index
