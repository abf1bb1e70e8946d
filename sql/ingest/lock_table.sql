-- Serialise ingests of one table (and validation fixing its batch) for the rest of the transaction:
-- a row lock in ops, which finrisk_analyst cannot read (any role can take an advisory lock).
with locked as (
    select l.table_name from ops.ingest_locks l where l.table_name = :table_name for update
)

select * from locked
