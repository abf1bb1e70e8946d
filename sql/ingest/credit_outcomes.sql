-- Move credit outcomes not yet staged into staging; the natural key is the full row (`except all`
-- keeps duplicates and treats nulls as equal). The event time is the start of snapshot_date (UTC).
with previous as (
    select max(cutoff_at) as cutoff_at
    from ops.ingest_watermarks
    where table_name = 'credit_outcomes'
),

arrived as (
    select s.customer_id, s.snapshot_date, s.defaulted
    from source.credit_outcomes s
    where s.snapshot_date <= :run_date or s.snapshot_date is null or not isfinite(s.snapshot_date)
    except all
    select o.customer_id, o.snapshot_date, o.defaulted
    from staging.credit_outcomes o
),

timed as (
    select a.*, a.snapshot_date::timestamp at time zone 'UTC' as event_at
    from arrived a
),

stamped as (
    select
        t.customer_id,
        t.snapshot_date,
        t.defaulted,
        case
            when t.event_at is null or not isfinite(t.event_at) then :cutoff_at
            when t.event_at < previous.cutoff_at then greatest(:cutoff_at, previous.cutoff_at)
            else t.event_at
        end as known_at
    from timed t
    cross join previous
),

moved as (
    insert into staging.credit_outcomes (customer_id, snapshot_date, defaulted, ingest_date, known_at)
    select customer_id, snapshot_date, defaulted, :run_date, known_at
    from stamped
    returning known_at
),

summary as (
    select
        count(*) as rows_loaded,
        count(*) filter (where known_at >= :cutoff_at) as late_rows,
        max(known_at) filter (where known_at < :cutoff_at) as high_water,
        0 as redelivered_rows,
        count(*) > 0 and not exists (select 1 from staging.credit_outcomes) as is_backlog
    from moved
)

select * from summary
