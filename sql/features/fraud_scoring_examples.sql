-- Transactions to score on a date: those that occurred during the date and were known by its end,
-- plus earlier ones that the date's validation released from quarantine (their customer arrived),
-- scored that night as of when they occurred.
with released as (
    select distinct r.row_id
    from quality.quarantine_releases r
    where r.table_name = 'staging.transactions'
      and cast(r.run_date as timestamp) at time zone 'UTC' = :day_start
),

candidates as (
    select t.txn_id, t.occurred_at, t.known_at, t.row_id
    from staging.clean_transactions t
    where t.occurred_at >= :day_start and t.occurred_at < :as_of and t.known_at <= :as_of
    union
    select t.txn_id, t.occurred_at, t.known_at, t.row_id
    from staging.clean_transactions t
    join released r on r.row_id = t.row_id
    where t.occurred_at < :day_start and t.known_at <= :as_of
),

day_txns as (
    select distinct on (c.txn_id) c.txn_id as key, c.occurred_at as as_of
    from candidates c
    order by c.txn_id, c.known_at desc, c.row_id desc
)

select day_txns.key, day_txns.as_of
from day_txns
where mod(abs(hashtext(day_txns.key)), :shard_n) = :shard_i
order by day_txns.as_of, day_txns.key
