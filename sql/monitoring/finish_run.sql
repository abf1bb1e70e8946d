-- A run ends (staged, published, empty or failed) with its counts, duration and throughput.
update ops.scoring_runs
set status = :status,
    error = :error,
    customers_scored = coalesce(:customers_scored, customers_scored),
    transactions_scored = coalesce(:transactions_scored, transactions_scored),
    articles_scored = coalesce(:articles_scored, articles_scored),
    rows_published = coalesce(:rows_published, rows_published),
    finished_at = :finished_at,
    duration_s = :duration_s,
    rows_per_s = :rows_per_s
where run_id = :run_id
