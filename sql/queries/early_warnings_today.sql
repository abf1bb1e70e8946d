-- This morning's early-warning worklist: customers who materially deteriorated since their previous score
-- (band worse by two or more, PD at least doubled and 5+ points higher, or band E entered and held two nights
-- well above the PD before entering; thresholds: scoring.alert_*), worst first, with the reasons in words
-- and what changed since the compared score (reasons whose contribution grew, with old -> new input values).
-- PDs are 12-month probabilities (0.0523 = 5.23%); fraud_score is the highest fraud probability of
-- the customer's transactions over 7 days, news_score the adverse news about its company (0 to 1).
with latest_date as (
    select max(score_date) as score_date from risk.risk_alerts
),

worklist as (
    select
        a.customer_id,
        a.alert_type,
        array_to_string(a.triggers, ', ') as triggers,
        a.previous_score_date,
        a.previous_band || ' -> ' || a.risk_band as band_change,
        round(a.previous_pd::numeric, 4) as previous_pd,
        round(a.pd_12m::numeric, 4) as pd_12m,
        (
            select string_agg(
                (c.value ->> 'code') || ' +' || round((c.value ->> 'contribution')::numeric
                    - coalesce((c.value ->> 'previous_contribution')::numeric, 0), 4)
                || coalesce(' (' || (
                    select string_agg(
                        i.key || ' ' || round((i.value ->> 'previous')::numeric, 2) || ' -> '
                        || round((i.value ->> 'current')::numeric, 2), ', '
                    )
                    from jsonb_each(c.value -> 'inputs') as i (key, value)
                ) || ')', ''),
                '; '
            )
            from jsonb_array_elements(a.changes) as c (value)
        ) as what_changed,
        (
            select string_agg(r.value ->> 'description', '; ')
            from jsonb_array_elements(a.reason_codes) as r (value)
        ) as reasons,
        round(s.fraud_score::numeric, 4) as fraud_score,
        round(s.news_score::numeric, 4) as news_score
    from risk.risk_alerts a
    join latest_date d on d.score_date = a.score_date
    join risk.risk_scores s on s.score_date = a.score_date and s.customer_id = a.customer_id
)

select * from worklist
order by
    case alert_type when 'held_band_e' then 0 when 'entered_band_e' then 0 when 'band_jump' then 1 else 2 end,
    pd_12m desc,
    customer_id
