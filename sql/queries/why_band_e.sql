-- Why is this customer in band E?
-- The latest score of the riskiest customer of the latest score date (the highest PD, so a
-- band-E customer whenever anyone is in band E), each reason on its own line: the catalogue
-- code, the letter-ready sentence with the customer's value and the direction that hurt
-- (description, e.g. 'Income of 8,100 is low'), the inputs behind it, and by how much the PD
-- drops when they are left out (pd_drop: 0.0150 = 1.5 percentage points). For one customer, see
-- "Why is this customer in band E?" in docs/analysts.md (psql: \set customer_id 'C0002417').
with latest_date as (
    select max(score_date) as score_date from risk.risk_scores
),

pick as (
    select s.customer_id
    from risk.risk_scores s
    join latest_date d on d.score_date = s.score_date
    order by s.pd_12m desc, s.customer_id
    limit 1
),

latest as (
    select l.*
    from risk.latest_risk_scores l
    join pick p on p.customer_id = l.customer_id
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
        (
            select string_agg(i.value ->> 'input', ', ')
            from jsonb_array_elements(coalesce(r.value -> 'inputs', '[]'::jsonb)) as i (value)
        ) as inputs,
        round((r.value ->> 'contribution')::numeric, 4) as pd_drop,
        latest.credit_model_version
    from latest
    left join lateral jsonb_array_elements(latest.reason_codes) with ordinality as r (value, ordinality) on true
)

select * from reasons order by rank
