-- Rows loaded per earlier run date for one table over the lookback window, leaving out the table's
-- first ingest (the initial backfill of history, not a day's volume).
with first_run as (
    select min(run_date) as run_date
    from ops.ingest_watermarks
    where table_name = :table_name
),

history as (
    select w.run_date, w.rows_loaded
    from ops.ingest_watermarks w
    cross join first_run f
    where w.table_name = :table_name
      and w.run_date < :run_date
      and w.run_date >= :since
      and w.run_date > f.run_date
)

select * from history order by run_date
