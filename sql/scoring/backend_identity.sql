-- This connection's backend: pid and start time together identify it (pids are reused).
with me as (
    select a.pid as backend_pid, a.backend_start as backend_started_at
    from pg_stat_activity a
    where a.pid = pg_backend_pid()
)

select * from me
