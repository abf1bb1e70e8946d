-- The lock rows a run is about to lock exist (committed before any run locks them).
insert into ops.scoring_locks (lock_key)
select key from unnest(cast(:keys as text[])) as k (key)
on conflict (lock_key) do nothing
