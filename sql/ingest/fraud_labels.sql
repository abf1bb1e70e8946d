-- Move fraud labels not yet staged into staging. Labels have no key of their own, so the natural
-- key is the full row; `except all` keeps duplicate rows (each copy is staged once) and treats
-- nulls as equal, so a row with null columns is staged exactly once too.
with previous as (
    select max(cutoff_at) as cutoff_at
    from ops.ingest_watermarks
    where table_name = 'fraud_labels'
),

arrived as (
    select s.txn_id, s.is_fraud, s.labeled_at
    from source.fraud_labels s
    where s.labeled_at < :cutoff_at or s.labeled_at is null or not isfinite(s.labeled_at)
    except all
    select l.txn_id, l.is_fraud, l.labeled_at
    from staging.fraud_labels l
),

stamped as (
    select
        a.txn_id,
        a.is_fraud,
        a.labeled_at,
        case
            when a.labeled_at is null or not isfinite(a.labeled_at) then :cutoff_at
            when a.labeled_at < previous.cutoff_at then greatest(:cutoff_at, previous.cutoff_at)
            else a.labeled_at
        end as known_at
    from arrived a
    cross join previous
),

moved as (
    insert into staging.fraud_labels (txn_id, is_fraud, labeled_at, ingest_date, known_at)
    select txn_id, is_fraud, labeled_at, :run_date, known_at
    from stamped
    returning known_at
),

summary as (
    select
        count(*) as rows_loaded,
        count(*) filter (where known_at >= :cutoff_at) as late_rows,
        max(known_at) filter (where known_at < :cutoff_at) as high_water,
        0 as redelivered_rows,
        count(*) > 0 and not exists (select 1 from staging.fraud_labels) as is_backlog
    from moved
)

select * from summary
