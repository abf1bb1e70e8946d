-- Rows loaded per earlier run date for one table over the lookback window: the daily volumes the
-- volume band learns from. Days that loaded nothing count (a quiet day is a volume too); the
-- backlog load (the date whose ingest found the staging table empty) and any date before it do
-- not, because they are history, not a day.
with backlog as (
    select max(run_date) as run_date
    from ops.ingest_watermarks
    where table_name = :table_name
      and is_backlog
      and run_date < :run_date
),

history as (
    select w.run_date, w.rows_loaded
    from ops.ingest_watermarks w
    cross join backlog b
    where w.table_name = :table_name
      and w.run_date < :run_date
      and w.run_date >= :since
      and w.run_date > coalesce(b.run_date, '-infinity'::date)
      and not w.is_backlog
)

select * from history order by run_date
