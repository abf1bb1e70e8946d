-- This morning's early-warning worklist: customers whose band worsened by two or more, whose
-- PD at least doubled, or who entered band E, worst first, with the reasons in words.
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
        (select string_agg(r.value ->> 'description', '; ')
         from jsonb_array_elements(a.reason_codes) as r (value)) as reasons,
        s.fraud_score,
        s.news_score
    from risk.risk_alerts a
    join latest_date d on d.score_date = a.score_date
    join risk.risk_scores s on s.score_date = a.score_date and s.customer_id = a.customer_id
)

select * from worklist
order by case alert_type when 'entered_band_e' then 0 when 'band_jump' then 1 else 2 end, pd_12m desc
