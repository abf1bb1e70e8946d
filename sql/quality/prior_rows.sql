-- Rows one table's earlier ingests loaded (before the run date): is an empty batch suspicious?
with earlier as (
    select coalesce(sum(rows_loaded), 0) as rows_loaded
    from ops.ingest_watermarks
    where table_name = :table_name
      and run_date < :run_date
)

select * from earlier
