-- The back-test table of one back-test: its bands in order, then the whole sample.
select risk_band, observations, defaults, mean_pd, observed_rate, jeffreys_p, binomial_p, light
from risk.backtest_results
where backtest_id = :backtest_id
order by risk_band = 'all', risk_band
