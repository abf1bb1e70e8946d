-- Record one expectation's result in a validation run.
insert into quality.expectation_results (run_id, suite, expectation, column_name, success, unexpected_count, details)
values (:run_id, :suite, :expectation, :column_name, :success, :unexpected_count, cast(:details as jsonb))
