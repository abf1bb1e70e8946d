-- Transactions at or above the alert threshold, with the fields that drove the score in words.
insert into risk.fraud_alerts (
    score_date, txn_id, customer_id, occurred_at, fraud_prob, threshold, reason, reason_codes, model_version, run_id
)
with staged as (
    select * from risk_stage.transaction_scores where run_id = any(:run_ids) and fraud_prob >= :threshold
),
explained as (
    select
        staged.*,
        (select string_agg(r.value ->> 'description', '; ' order by r.ordinality)
         from jsonb_array_elements(coalesce(staged.reason_codes, '[]'::jsonb)) with ordinality as r (value, ordinality)
        ) as descriptions
    from staged
)
select
    score_date, txn_id, customer_id, occurred_at, fraud_prob, :threshold,
    coalesce(descriptions, 'fraud probability at or above the alert threshold'),
    coalesce(reason_codes, '[]'::jsonb), model_version, run_id
from explained
