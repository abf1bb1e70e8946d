-- The lock rows of the staged tables exist (committed before any run locks them; a repaired
-- ops.ingest_locks starts empty).
insert into ops.ingest_locks (table_name)
select t.table_name from unnest(cast(:tables as text[])) as t (table_name)
on conflict (table_name) do nothing
