-- The published band distribution of one score date, for the nightly summary line.
with bands as (
    select risk_band, count(*) as customers, avg(pd_12m) as mean_pd
    from risk.risk_scores
    where score_date = :score_date
    group by risk_band
)

select * from bands order by risk_band
