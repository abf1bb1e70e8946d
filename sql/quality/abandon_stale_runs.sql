-- Validation runs still marked running whose backend is gone (the process was killed or lost its
-- connection): they will never finish, so mark them abandoned with the time and the reason.
-- A run recorded before backends were (null pid) counts as gone too. The tables it recorded in
-- quality.validation_runs stay; scoring wants a run that recorded every table.
with stale as (
    select r.run_id, r.backend_pid
    from quality.runs r
    where r.status = 'running' and r.run_id <> :run_id
      and not exists (
          select 1 from pg_stat_activity a
          where a.pid = r.backend_pid and a.backend_start = r.backend_started_at
      )
),
marked as (
    update quality.runs r
    set status = 'abandoned',
        abandoned_at = clock_timestamp(),
        finished_at = coalesce(r.finished_at, clock_timestamp()),
        abandoned_reason = 'its process is gone: backend '
            || coalesce('pid ' || cast(stale.backend_pid as text), 'unknown')
            || ' is no longer connected; found by run ' || cast(:run_id as text)
    from stale
    where r.run_id = stale.run_id
    returning r.run_id, r.run_date, r.started_at, r.abandoned_reason
)

select * from marked order by started_at
