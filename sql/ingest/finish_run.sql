-- Close the log row of one ingest run with its outcome and per-table row counts.
update ops.ingest_runs
set status = :status,
    rows_loaded = cast(:rows_loaded as jsonb),
    error = :error,
    finished_at = clock_timestamp()
where run_id = :run_id and status = 'running'
