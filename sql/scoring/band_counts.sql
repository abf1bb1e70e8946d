-- Customers per band in the staged batches of a date.
with credit as (
    select * from risk_stage.credit_scores where run_id = any(:run_ids)
),
bands as (
    select risk_band, count(*) as customers, avg(pd_12m) as mean_pd
    from credit
    group by risk_band
)

select * from bands order by risk_band
