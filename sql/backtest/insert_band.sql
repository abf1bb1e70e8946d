-- One band of a back-test.
insert into risk.backtest_bands (
    backtest_id, risk_band, observations, defaults, mean_pd, observed_rate, jeffreys_p, binomial_p, light
)
values (
    :backtest_id, :risk_band, :observations, :defaults, :mean_pd, :observed_rate, :jeffreys_p, :binomial_p, :light
)
