-- Band distribution per score date, with the credit model version that produced it: a change
-- of version (model_lineage) next to a change of shape is the first thing to look at.
-- mean_pd is the band's mean 12-month PD (0.0523 = 5.23%); share_pct the band's share of the
-- date's customers, in per cent.
with per_band as (
    select score_date, credit_model_version, risk_band, count(*) as customers, avg(pd_12m) as mean_pd
    from risk.risk_scores
    group by score_date, credit_model_version, risk_band
),

shares as (
    select
        score_date,
        credit_model_version,
        risk_band,
        customers,
        round(mean_pd::numeric, 4) as mean_pd,
        round(100.0 * customers / sum(customers) over (partition by score_date), 1) as share_pct
    from per_band
)

select * from shares order by score_date, risk_band
