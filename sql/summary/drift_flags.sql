-- The score date's other flagged monitoring rows (band shares outside their bounds, ...). PSI and
-- drift rows are not here: the summary reports them per model as drift / watch / insufficient sample.
with flagged as (
    select model, role, metric, feature, model_version, value, threshold
    from risk.score_monitoring
    where score_date = :score_date and is_flagged and metric not in ('psi', 'drift')
)

select * from flagged order by model, role, metric, feature
