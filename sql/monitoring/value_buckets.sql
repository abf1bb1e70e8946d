-- Counts per bin of a staged model output (:feature null) or numeric input (:feature set),
-- binned by the reference's inner thresholds, for PSI. Bucket 0 is below the first threshold.
with staged as (
    select 'credit' as model, pd_12m as prob, numeric_inputs
    from risk_stage.credit_scores where run_id = any(:run_ids)
    union all
    select 'fraud' as model, fraud_prob as prob, numeric_inputs
    from risk_stage.transaction_scores where run_id = any(:run_ids)
    union all
    select 'news' as model, negative_prob as prob, numeric_inputs
    from risk_stage.news_signals where run_id = any(:run_ids)
),
picked as (
    select
        case when cast(:feature as text) is null then prob
             else cast(numeric_inputs ->> cast(:feature as text) as double precision)
        end as value
    from staged
    where model = :model
),
buckets as (
    select width_bucket(value, cast(:thresholds as double precision[])) as bucket, count(*) as rows
    from picked
    where value is not null
    group by 1
)

select * from buckets order by bucket
