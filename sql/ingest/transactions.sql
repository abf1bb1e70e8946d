-- Move transactions not yet staged (natural key txn_id) with occurred_at before the run's cutoff
-- into staging. A transaction older than the previous cutoff arrived late.
with previous as (
    select max(cutoff_at) as cutoff_at
    from ops.ingest_watermarks
    where table_name = 'transactions'
),

arrived as (
    select s.*
    from source.transactions s
    where (s.occurred_at < :cutoff_at or s.occurred_at is null)
      and not exists (
          select 1
          from staging.transactions t
          where t.txn_id = s.txn_id
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
        case
            when a.occurred_at is null then :cutoff_at
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

summary as (
    select
        count(*) as rows_loaded,
        count(*) filter (where known_at >= :cutoff_at) as late_rows,
        max(known_at) filter (where known_at < :cutoff_at) as high_water
    from moved
)

select * from summary
