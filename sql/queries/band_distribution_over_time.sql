-- Band distribution per score date, with the credit model version that produced it: a change
-- of version (model_lineage) next to a change of shape is the first thing to look at.
with per_band as (
    select score_date, credit_model_version, risk_band, count(*) as customers, avg(pd_12m) as mean_pd
    from risk.risk_scores
    group by score_date, credit_model_version, risk_band
),
shares as (
    select
        per_band.*,
        round(100.0 * customers / sum(customers) over (partition by score_date), 2) as pct_of_customers
    from per_band
)

select * from shares order by score_date, risk_band
