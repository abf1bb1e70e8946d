-- Which reasons put customers into band E on the latest score date, and how often?
-- customers: band-E customers with this reason among their reason codes; share_pct: of all
-- band-E customers that day, in per cent; mean_pd_drop: how much the PD drops on average when
-- the field is left out (0.0150 = 1.5 percentage points).
with latest_date as (
    select max(score_date) as score_date from risk.risk_scores
),

band_e as (
    select s.customer_id, s.reason_codes
    from risk.risk_scores s
    join latest_date d on d.score_date = s.score_date
    where s.risk_band = 'E'
),

reasons as (
    select
        r.value ->> 'description' as reason,
        count(distinct band_e.customer_id) as customers,
        round(100.0 * count(distinct band_e.customer_id) / (select count(*) from band_e), 1) as share_pct,
        round(avg((r.value ->> 'contribution')::numeric), 4) as mean_pd_drop
    from band_e
    cross join lateral jsonb_array_elements(band_e.reason_codes) as r (value)
    group by 1
)

select * from reasons order by customers desc, reason
