-- Every staged transaction score of the date into risk.transaction_scores.
insert into risk.transaction_scores (score_date, txn_id, customer_id, occurred_at, fraud_prob, model_version, run_id)
with staged as (
    select * from risk_stage.transaction_scores where run_id = any(:run_ids)
)
select score_date, txn_id, customer_id, occurred_at, fraud_prob, model_version, run_id from staged
