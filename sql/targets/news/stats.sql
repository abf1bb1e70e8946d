-- The audit's counts of the staged news rows of the given runs: one row.
with staged as (
    select * from risk_stage.news_signals where run_id = any(:run_ids)
),
stats as (
    select
        count(*) as rows,
        count(distinct article_id) as distinct_keys,
        count(*) filter (where article_id is null) as null_keys,
        count(*) filter (where negative_prob is null or not (negative_prob between 0 and 1)) as bad_probs,
        0 as incomplete_rows
    from staged
)

select * from stats
