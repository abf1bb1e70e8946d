-- Counts per bin of the staged fraud probability (:feature null) or of a numeric input (:feature set),
-- binned by the reference's inner thresholds, for PSI. Bucket 0 is below the first threshold.
with picked as (
    select
        case when cast(:feature as text) is null then fraud_prob
             else cast(numeric_inputs ->> cast(:feature as text) as double precision)
        end as value
    from risk_stage.transaction_scores
    where run_id = any(:run_ids)
),
buckets as (
    select width_bucket(value, cast(:thresholds as double precision[])) as bucket, count(*) as rows
    from picked
    where value is not null
    group by 1
)

select * from buckets order by bucket
