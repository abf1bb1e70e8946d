-- Distribution of a challenger's (or, with :champion true, the champion's) probabilities on the shadow rows.
with staged as (
    select case when :champion then champion_prob else prob end as value
    from risk_stage.challenger_scores
    where run_id = any(:run_ids) and model = :model
),
buckets as (
    select width_bucket(value, cast(:thresholds as double precision[])) as bucket, count(*) as rows
    from staged
    group by 1
)

select * from buckets order by bucket
