-- Why is this customer in band E (or any band)?
-- The customer's latest score with each reason code on its own line: the record field that
-- pushed the PD up (code), what it means (description) and by how much the PD drops when the
-- field is left out (contribution). Replace the customer id below.
with latest as (
    select * from risk.latest_risk_scores where customer_id = 'C0001'
),
reasons as (
    select
        latest.customer_id,
        latest.score_date,
        latest.risk_band,
        round(latest.pd_12m::numeric, 4) as pd_12m,
        latest.score_points,
        r.ordinality as rank,
        r.value ->> 'code' as code,
        r.value ->> 'description' as description,
        round((r.value ->> 'contribution')::numeric, 4) as contribution,
        latest.credit_model_version
    from latest
    left join lateral jsonb_array_elements(latest.reason_codes) with ordinality as r (value, ordinality) on true
)

select * from reasons order by rank
