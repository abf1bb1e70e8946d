-- Rows and mean adverse-class probability of each model in the staged batches of a date.
with staged as (
    select 'credit' as model, model_version, pd_12m as prob
    from risk_stage.credit_scores where run_id = any(:run_ids)
    union all
    select 'fraud' as model, model_version, fraud_prob as prob
    from risk_stage.transaction_scores where run_id = any(:run_ids)
    union all
    select 'news' as model, model_version, negative_prob as prob
    from risk_stage.news_signals where run_id = any(:run_ids)
),
summary as (
    select model, model_version, count(*) as rows, avg(prob) as mean_prob
    from staged
    group by model, model_version
)

select * from summary order by model
