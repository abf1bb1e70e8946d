-- Close the row of one validation run with its outcome (error: the first batch failure, or why it stopped).
update quality.runs
set status = :status,
    error = :error,
    finished_at = clock_timestamp()
where run_id = :run_id and status = 'running'
