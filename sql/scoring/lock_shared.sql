-- Shared run lock on a key (a date): shard runs of one date stage side by side, a publish waits.
with locked as (
    select l.lock_key from ops.scoring_locks l where l.lock_key = :key for share
)

select * from locked
