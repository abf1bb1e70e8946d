-- Who holds an ingest lock: the other sessions holding a lock on ops.ingest_locks, with the ingest
-- run each one belongs to (if any), oldest transaction first.
with holders as (
    select distinct l.pid
    from pg_locks l
    where l.relation = cast('ops.ingest_locks' as regclass) and l.granted and l.pid <> pg_backend_pid()
),
named as (
    select
        h.pid as backend_pid,
        a.usename as role_name,
        a.application_name,
        a.xact_start,
        r.run_id,
        r.started_at
    from holders h
    join pg_stat_activity a on a.pid = h.pid
    left join ops.ingest_runs r
        on r.backend_pid = a.pid and r.backend_started_at = a.backend_start and r.status = 'running'
)

select * from named order by xact_start nulls last
