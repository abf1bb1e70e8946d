-- One back-test's model row.
insert into risk.backtest_runs (
    backtest_id, model, model_version, source, period_start, period_end, as_of_date,
    observations, defaults, mean_pd, observed_rate, jeffreys_p, binomial_p,
    hl_statistic, hl_dof, hl_p, auc, auc_low, auc_high, hhi, light,
    in_sample_observations, settings, computed_at
)
values (
    :backtest_id, :model, :model_version, :source, :period_start, :period_end, :as_of_date,
    :observations, :defaults, :mean_pd, :observed_rate, :jeffreys_p, :binomial_p,
    :hl_statistic, :hl_dof, :hl_p, :auc, :auc_low, :auc_high, :hhi, :light,
    :in_sample_observations, cast(:settings as jsonb), :computed_at
)
