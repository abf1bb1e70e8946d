-- Who holds the migrations lock: other sessions with a granted lock on ops.schema_migrations that
-- conflicts with an upgrade's, oldest transaction first.
with holders as (
    select distinct l.pid
    from pg_locks l
    where l.relation = cast('ops.schema_migrations' as regclass) and l.granted and l.pid <> pg_backend_pid()
      and l.mode in ('ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock', 'ShareLock',
                     'ShareUpdateExclusiveLock', 'RowExclusiveLock')
),
named as (
    select h.pid as backend_pid, a.usename as role_name, a.application_name, a.xact_start
    from holders h
    join pg_stat_activity a on a.pid = h.pid
)

select * from named order by xact_start nulls last
