-- Rows and mean adverse-class probability of the staged fraud rows of the given runs, per version.
with staged as (
    select model_version, fraud_prob as prob from risk_stage.transaction_scores where run_id = any(:run_ids)
),
summary as (
    select model_version, count(*) as rows, avg(prob) as mean_prob
    from staged
    group by model_version
)

select * from summary
