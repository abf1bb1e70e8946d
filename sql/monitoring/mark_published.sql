-- The shard runs merged by a publish are published too.
update ops.scoring_runs
set status = 'published'
where run_id = any(:run_ids) and status = 'staged'
