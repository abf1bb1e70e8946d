-- Which reasons put customers into band E on the latest score date, and how often?
with latest_date as (
    select max(score_date) as score_date from risk.risk_scores
),
band_e as (
    select s.*
    from risk.risk_scores s
    join latest_date d on d.score_date = s.score_date
    where s.risk_band = 'E'
),
reasons as (
    select r.value ->> 'description' as description, count(*) as customers,
           round(avg((r.value ->> 'contribution')::numeric), 4) as mean_contribution
    from band_e
    cross join lateral jsonb_array_elements(band_e.reason_codes) as r (value)
    group by 1
)

select * from reasons order by customers desc
