-- Remove an earlier back-test of the same model, version, source, period and as-of date (its bands follow).
delete from risk.backtest_runs
where model = :model and model_version = :model_version and source = :source
    and period_start = :period_start and period_end = :period_end and as_of_date = :as_of_date
