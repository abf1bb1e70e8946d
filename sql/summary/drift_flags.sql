-- The score date's flagged monitoring rows (PSI or band shares over their threshold).
with flagged as (
    select model, role, metric, feature, model_version, value, threshold
    from risk.score_monitoring
    where score_date = :score_date and is_flagged
)

select * from flagged order by model, role, metric, feature
