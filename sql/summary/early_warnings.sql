-- New early-warning alerts of one score date, per alert type.
with warnings as (
    select alert_type, count(*) as alerts
    from risk.risk_alerts
    where score_date = :score_date
    group by alert_type
)

select * from warnings order by alert_type
