-- The audit's counts of the staged credit rows of the given runs: one row.
with staged as (
    select * from risk_stage.credit_scores where run_id = any(:run_ids)
),
stats as (
    select
        count(*) as rows,
        count(distinct customer_id) as distinct_keys,
        count(*) filter (where customer_id is null) as null_keys,
        count(*) filter (where pd_12m is null or not (pd_12m between 0 and 1)) as bad_probs,
        count(*) filter (where risk_band is null or score_points is null) as incomplete_rows
    from staged
)

select * from stats
