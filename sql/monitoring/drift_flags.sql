-- The latest drift signal per model up to a date: the retraining DAG reads this.
with drift as (
    select distinct on (m.model)
        m.model, m.score_date, m.model_version, m.value as max_psi, m.is_flagged, m.detail
    from risk.score_monitoring m
    where m.metric = 'drift' and m.role = 'champion' and m.score_date <= :score_date
    order by m.model, m.score_date desc
)

select * from drift order by model
