-- Band shares of one score date next to the previous published date's.
with previous_date as (
    select max(score_date) as score_date from risk.risk_scores where score_date < :score_date
),

today as (
    select risk_band, count(*) as customers
    from risk.risk_scores
    where score_date = :score_date
    group by risk_band
),

previous as (
    select s.risk_band, count(*) as customers
    from risk.risk_scores s
    join previous_date d on d.score_date = s.score_date
    group by s.risk_band
),

bands as (
    select
        coalesce(t.risk_band, p.risk_band) as risk_band,
        coalesce(t.customers, 0) as customers,
        coalesce(p.customers, 0) as previous_customers,
        (select score_date from previous_date) as previous_score_date
    from today t
    full join previous p on p.risk_band = t.risk_band
)

select * from bands order by risk_band
