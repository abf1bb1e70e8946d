-- Drift on the latest score date: PSI of each model's score and inputs against its training
-- population, flagged above the configured threshold (the retraining DAG reads the 'drift' rows).
-- PSI under 0.1 is stable, 0.1-0.25 a shift worth a look, above 0.25 a population change.
with latest_date as (
    select max(score_date) as score_date from risk.score_monitoring
),

psi as (
    select
        m.model,
        m.model_version,
        m.feature,
        round(m.value::numeric, 4) as psi,
        round(m.threshold::numeric, 2) as threshold,
        m.is_flagged
    from risk.score_monitoring m
    join latest_date d on d.score_date = m.score_date
    where m.metric = 'psi' and m.role = 'champion'
)

select * from psi order by is_flagged desc, psi desc nulls last, model, feature
