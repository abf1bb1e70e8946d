-- One fraud back-test row; a re-run of the same period and as-of date replaces it.
insert into risk.fraud_backtests (
    model, model_version, period_start, period_end, as_of_date, threshold, maturity_days,
    transactions, alerts, confirmed_frauds, true_positives, precision, recall, computed_at
)
values (
    :model, :model_version, :period_start, :period_end, :as_of_date, :threshold, :maturity_days,
    :transactions, :alerts, :confirmed_frauds, :true_positives, :precision, :recall, :computed_at
)
on conflict (model, model_version, period_start, period_end, as_of_date) do update set
    threshold = excluded.threshold, maturity_days = excluded.maturity_days, transactions = excluded.transactions,
    alerts = excluded.alerts, confirmed_frauds = excluded.confirmed_frauds,
    true_positives = excluded.true_positives, precision = excluded.precision, recall = excluded.recall,
    computed_at = excluded.computed_at
