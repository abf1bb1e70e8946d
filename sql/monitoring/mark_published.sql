-- Inside the publish transaction: the shard runs it merged, and the publishing run itself, are
-- published. A run killed after this commits but before recording its end still says so.
update ops.scoring_runs
set status = 'published'
where run_id = any(:run_ids) and status in ('staged', 'running')
