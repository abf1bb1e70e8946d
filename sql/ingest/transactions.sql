-- Move transactions not yet staged (natural key txn_id) with occurred_at before the run's cutoff
-- into staging. A transaction older than the previous cutoff arrived late. A re-delivered
-- transaction with the same txn_id but changed content is staged too (validation quarantines
-- it as a repeat, so it is seen, not skipped); an identical one is not. A row dated +infinity
-- would wait forever: it is staged now (known at the cutoff) and quarantined.
with previous as (
    select max(cutoff_at) as cutoff_at
    from ops.ingest_watermarks
    where table_name = 'transactions'
),

arrived as (
    select s.*
    from source.transactions s
    where (s.occurred_at < :cutoff_at or s.occurred_at is null or not isfinite(s.occurred_at))
      and not exists (
          select 1
          from staging.transactions t
          where t.txn_id = s.txn_id
            and (t.customer_id, t.occurred_at, t.amount, t.currency, t.merchant, t.description, t.channel, t.country)
                is not distinct from (s.customer_id, s.occurred_at, s.amount, s.currency, s.merchant, s.description, s.channel, s.country)
      )
),

stamped as (
    select
        a.txn_id,
        a.customer_id,
        a.occurred_at,
        a.amount,
        a.currency,
        a.merchant,
        a.description,
        a.channel,
        a.country,
        exists (select 1 from staging.transactions t where t.txn_id = a.txn_id) as is_redelivery,
        case
            when a.occurred_at is null or not isfinite(a.occurred_at) then :cutoff_at
            when a.occurred_at < previous.cutoff_at then greatest(:cutoff_at, previous.cutoff_at)
            else a.occurred_at
        end as known_at
    from arrived a
    cross join previous
),

moved as (
    insert into staging.transactions (
        txn_id, customer_id, occurred_at, amount, currency, merchant, description, channel, country,
        ingest_date, known_at
    )
    select
        txn_id, customer_id, occurred_at, amount, currency, merchant, description, channel, country,
        :run_date, known_at
    from stamped
    returning known_at
),

redelivered as (
    select count(*) filter (where is_redelivery) as redelivered_rows
    from stamped
),

summary as (
    select
        count(*) as rows_loaded,
        count(*) filter (where known_at >= :cutoff_at) as late_rows,
        max(known_at) filter (where known_at < :cutoff_at) as high_water,
        (select redelivered_rows from redelivered) as redelivered_rows,
        count(*) > 0 and not exists (select 1 from staging.transactions) as is_backlog
    from moved
)

select * from summary
