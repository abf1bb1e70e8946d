-- Runs of the date still running on a live backend, other than the asking run: who holds the lock.
with live as (
    select r.run_id, r.step, r.shard_index, r.shard_count, r.started_at, r.backend_pid
    from ops.scoring_runs r
    join pg_stat_activity a on a.pid = r.backend_pid and a.backend_start = r.backend_started_at
    where r.score_date = :score_date and r.status = 'running' and r.run_id <> :run_id
)

select * from live order by started_at desc
