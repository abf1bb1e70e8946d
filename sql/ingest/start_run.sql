-- Open the log row of one ingest run.
insert into ops.ingest_runs (run_id, run_date, status)
values (:run_id, :run_date, 'running')
