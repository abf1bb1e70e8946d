-- Open the row of one validation run, with the backend of the run's own connection.
insert into quality.runs (run_id, run_date, status, backend_pid, backend_started_at)
values (:run_id, :run_date, 'running', :backend_pid, :backend_started_at)
