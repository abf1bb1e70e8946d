-- Record one table's validation in a run.
insert into quality.validation_runs (
    run_id, run_date, suite, table_name, success, evaluated_rows, failed_rows, batch_failure, started_at, finished_at
)
values (
    :run_id, :run_date, :suite, :table_name, :success, :evaluated_rows, :failed_rows, :batch_failure,
    :started_at, clock_timestamp()
)
