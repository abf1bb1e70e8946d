-- Transactions to score on a date: those that occurred during the date and were known by its end.
with day_txns as (
    select distinct on (t.txn_id) t.txn_id as key, t.occurred_at as as_of
    from staging.clean_transactions t
    where t.occurred_at >= :day_start and t.occurred_at < :as_of and t.known_at <= :as_of
    order by t.txn_id, t.known_at desc, t.row_id desc
)

select day_txns.key, day_txns.as_of
from day_txns
where mod(abs(hashtext(day_txns.key)), :shard_n) = :shard_i
order by day_txns.as_of, day_txns.key
