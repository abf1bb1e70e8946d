-- The audit's counts of the staged fraud rows of the given runs: one row.
with staged as (
    select * from risk_stage.transaction_scores where run_id = any(:run_ids)
),
stats as (
    select
        count(*) as rows,
        count(distinct txn_id) as distinct_keys,
        count(*) filter (where txn_id is null) as null_keys,
        count(*) filter (where fraud_prob is null or not (fraud_prob between 0 and 1)) as bad_probs,
        0 as incomplete_rows
    from staged
)

select * from stats
