-- Move customer versions not yet staged (natural key customer_id, updated_at) with updated_at
-- before the run's cutoff into staging. A version older than the previous cutoff arrived late.
-- A re-delivered version with the same key but changed content is staged too (validation
-- quarantines it as a repeat, so it is seen, not skipped); an identical one is not. A row
-- dated +infinity would wait forever: it is staged now (known at the cutoff) and quarantined.
-- closed_at travels with its version (migration 090): a closure is a new version, never a delete.
with previous as (
    select max(cutoff_at) as cutoff_at
    from ops.ingest_watermarks
    where table_name = 'customers'
),

arrived as (
    select s.*
    from source.customers s
    where (s.updated_at < :cutoff_at or s.updated_at is null or not isfinite(s.updated_at))
      and not exists (
          select 1
          from staging.customers c
          where c.customer_id = s.customer_id
            and c.updated_at = s.updated_at
            and (c.segment, c.company, c.profile, c.notes, c.closed_at)
                is not distinct from (s.segment, s.company, s.profile, s.notes, s.closed_at)
      )
),

stamped as (
    select
        a.customer_id,
        a.updated_at,
        a.segment,
        a.company,
        a.profile,
        a.notes,
        a.closed_at,
        exists (
            select 1 from staging.customers c where c.customer_id = a.customer_id and c.updated_at = a.updated_at
        ) as is_redelivery,
        case
            when a.updated_at is null or not isfinite(a.updated_at) then :cutoff_at
            when a.updated_at < previous.cutoff_at then greatest(:cutoff_at, previous.cutoff_at)
            else a.updated_at
        end as known_at
    from arrived a
    cross join previous
),

moved as (
    insert into staging.customers (customer_id, updated_at, segment, company, profile, notes, closed_at, ingest_date,
        known_at)
    select customer_id, updated_at, segment, company, profile, notes, closed_at, :run_date, known_at
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
        count(*) > 0 and not exists (select 1 from staging.customers) as is_backlog
    from moved
)

select * from summary
