-- Exclusive run lock on a key (a date): no other run of the date stages or publishes meanwhile.
with locked as (
    select l.lock_key from ops.scoring_locks l where l.lock_key = :key for update
)

select * from locked
