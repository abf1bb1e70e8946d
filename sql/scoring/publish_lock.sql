-- One publish per date at a time: a transaction-scoped advisory lock on (publish, date).
with locked as (
    select pg_advisory_xact_lock(hashtext(:lock), hashtext(cast(:score_date as text))) as is_locked
)

select * from locked
