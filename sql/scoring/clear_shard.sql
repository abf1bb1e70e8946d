-- Before a shard is staged again: drop what an earlier run staged for the same slice of the date.
with old_runs as (
    select b.run_id
    from risk_stage.batches b
    where b.score_date = :score_date and b.shard_index = :shard_index and b.shard_count = :shard_count
),
d1 as (delete from risk_stage.credit_scores s using old_runs o where s.run_id = o.run_id),
d2 as (delete from risk_stage.transaction_scores s using old_runs o where s.run_id = o.run_id),
d3 as (delete from risk_stage.news_signals s using old_runs o where s.run_id = o.run_id),
d4 as (delete from risk_stage.challenger_scores s using old_runs o where s.run_id = o.run_id),
deleted_batches as (
    delete from risk_stage.batches b
    where b.score_date = :score_date and b.shard_index = :shard_index and b.shard_count = :shard_count
    returning b.run_id
)

select count(*) as cleared from deleted_batches
