-- Record one table's ingest for a run date; a re-run of the date adds to its counts. A date that
-- once took the backlog (the staging table was empty) stays marked as the backlog.
insert into ops.ingest_watermarks as w (
    table_name, run_date, cutoff_at, high_water, rows_loaded, late_rows, is_backlog, run_id, finished_at
)
values (
    :table_name, :run_date, :cutoff_at, :high_water, :rows_loaded, :late_rows, :is_backlog, :run_id, clock_timestamp()
)
on conflict (table_name, run_date) do update set
    cutoff_at = greatest(w.cutoff_at, excluded.cutoff_at),
    high_water = greatest(w.high_water, excluded.high_water),
    rows_loaded = w.rows_loaded + excluded.rows_loaded,
    late_rows = w.late_rows + excluded.late_rows,
    is_backlog = w.is_backlog or excluded.is_backlog,
    run_id = excluded.run_id,
    finished_at = excluded.finished_at
